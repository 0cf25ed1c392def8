import { contractSuite } from './suite.ts';
import { startNode } from './targets.ts';

contractSuite(startNode);
