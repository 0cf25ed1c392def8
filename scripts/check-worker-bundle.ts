/**
 * Bundles the Worker exactly as `wrangler deploy` would (--dry-run, nothing uploaded) and fails
 * when the bundle imports a Node built-in that Workers does not provide. wrangler.toml enables no
 * `nodejs_compat`, so no built-in is provided: any `node:*` (or bare built-in) import fails.
 * Usage: node scripts/check-worker-bundle.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Built-ins a Worker gets without nodejs_compat: none. List any here once wrangler.toml enables them. */
const PROVIDED = new Set<string>();

const outdir = mkdtempSync(join(tmpdir(), 'hookgate-worker-'));
try {
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
  const bundle = readFileSync(join(outdir, 'worker.js'), 'utf8');
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const imported = new Set<string>();
  // Static imports are statements at the start of a line of the bundle (esbuild writes them so); a
  // line that only mentions one inside a string (the portal's Node verifier snippet) is not an import.
  const staticImport = /^\s*(?:import|export)\b[^;\n]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;
  const dynamicImport = /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (const match of [...bundle.matchAll(staticImport), ...bundle.matchAll(dynamicImport)]) {
    const specifier = (match[1] ?? match[2])!;
    if (builtins.has(specifier) || specifier.startsWith('node:')) imported.add(specifier);
  }
  const missing = [...imported].filter((name) => !PROVIDED.has(name.replace(/^node:/, '')));
  const kib = Math.round(statSync(join(outdir, 'worker.js')).size / 1024);
  if (missing.length) {
    console.error(`worker bundle imports Node built-ins that Workers does not provide: ${missing.join(', ')}`);
    process.exit(1);
  }
  console.log(`worker bundle ok: ${kib} KiB, no Node built-ins`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
