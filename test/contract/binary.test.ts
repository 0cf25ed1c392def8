import { contractSuite } from './suite.ts';
import { startBinary } from './targets.ts';

contractSuite(startBinary);
