import { contractSuite } from './suite.ts';
import { startBun } from './targets.ts';

contractSuite(startBun);
