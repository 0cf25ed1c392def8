/**
 * Lays out the Worker's static assets (wrangler.toml `[assets]`, run by its `[build]` command
 * before `wrangler dev` and `wrangler deploy`): the API reference script that /docs loads, at the
 * same versioned address the other runtimes serve it from, with a `_headers` file giving it the
 * same long cache. Static assets do not count towards the Worker bundle's size limit.
 * Usage: node scripts/worker-assets.ts [outdir]   (default dist/worker-assets)
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { apiReferenceScriptPath, IMMUTABLE } from '../src/api/docs.ts';

const root = join(dirname(createRequire(import.meta.url).resolve('@scalar/api-reference')), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const outdir = process.argv[2] ?? join(import.meta.dirname, '..', 'dist', 'worker-assets');
const address = apiReferenceScriptPath(version);

rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, dirname(address)), { recursive: true });
copyFileSync(join(root, 'dist', 'browser', 'standalone.js'), join(outdir, address));
writeFileSync(join(outdir, '_headers'), `${address}\n  Cache-Control: ${IMMUTABLE}\n  X-Content-Type-Options: nosniff\n`);
console.log(`worker assets: ${address} in ${outdir}`);
