import { contractSuite } from './suite.ts';
import { startWorker } from './targets.ts';

contractSuite(startWorker);
