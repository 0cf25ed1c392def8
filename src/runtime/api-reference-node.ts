import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ApiReferenceScript } from '../services.ts';

/**
 * Node's copy of the API reference script: @scalar/api-reference's standalone build, found where
 * Node resolves the package (hoisted or not), read on first request and kept in memory (~4.9 MB).
 */
export function nodeApiReference(): ApiReferenceScript {
  const root = join(dirname(createRequire(import.meta.url).resolve('@scalar/api-reference')), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let bytes: Promise<Uint8Array> | undefined;
  return {
    version,
    read: () => {
      bytes ??= readFile(join(root, 'dist', 'browser', 'standalone.js')).catch((error: unknown) => {
        bytes = undefined;
        throw error;
      });
      return bytes;
    },
  };
}
