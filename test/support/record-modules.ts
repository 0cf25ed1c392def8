import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

/**
 * Loaded into a server with `NODE_OPTIONS=--import …/record-modules.ts`: notes the URL of every
 * module the process loads and, when it exits, writes them one per line to RECORD_MODULES_TO.
 */
const loaded: string[] = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});
process.once('exit', () => writeFileSync(process.env.RECORD_MODULES_TO!, loaded.join('\n')));
