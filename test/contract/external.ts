/** Runs the contract suite against an already running hookgate: HOOKGATE_URL=http://… node --test test/contract/external.ts */
import { contractSuite } from './suite.ts';
import { startExternal } from './targets.ts';

contractSuite(startExternal);
