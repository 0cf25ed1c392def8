import { enableCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Loaded by `npm test` (`node --import`) into the runner and every test file's process: one compile
 * cache for V8's code of the TypeScript sources, kept between runs, as the child processes the tests
 * start have (CHILD_ENV in server.ts). It changes nothing a test does; a test file starts sooner.
 */
export const COMPILE_CACHE = join(tmpdir(), 'hookgate-test-compile-cache');
enableCompileCache(COMPILE_CACHE);
