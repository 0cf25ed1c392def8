// Imported by path: the package's exports map does not expose these files. `type: 'file'` embeds the script in the single binary.

// @ts-expect-error: a JS file without types; with `type: 'file'` Bun gives its path as the default export.
import scriptFile from '../../node_modules/@scalar/api-reference/dist/browser/standalone.js' with { type: 'file' };
import scalarPackage from '../../node_modules/@scalar/api-reference/package.json' with { type: 'json' };
import type { ApiReferenceScript } from '../services.ts';

/** Bun's copy of the API reference script: the file itself under `bun run`, embedded in `bun build --compile`'s binary. */
export const bunApiReference = (): ApiReferenceScript => ({ version: scalarPackage.version, read: () => Bun.file(scriptFile as string).bytes() });
