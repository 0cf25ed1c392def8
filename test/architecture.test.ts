import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/server.ts';

/**
 * The rooms of src/ and which room may import which (docs/architecture.md draws them). A folder of
 * src/ is a room; each file at the top of src/ is a room of its own. A room not listed here fails
 * the test: add a row for it, with the rooms it may import, and add it to the rows that may import it.
 */
const ALLOWED: Record<string, string[]> = {
  // Leaves: configuration, the event catalogue, the version, the wire client.
  config: [],
  catalogue: [],
  version: [],
  client: [],
  lib: [],
  auth: ['config'],
  db: ['catalogue', 'lib'],
  errors: ['db'], // errors.ts → db/store-health.ts (the 503 of a refused write)
  services: ['auth', 'config', 'db', 'delivery', 'lib'],
  delivery: ['catalogue', 'config', 'db', 'domain', 'lib', 'services', 'surfaces'], // → domain: operational events and recovery jobs, from the sweeper
  domain: ['catalogue', 'config', 'db', 'delivery', 'errors', 'lib', 'services', 'surfaces'], // → delivery: the engine's dispatch, the address policy, attempt types
  api: ['auth', 'catalogue', 'db', 'delivery', 'domain', 'errors', 'lib', 'services', 'surfaces'],
  console: ['api', 'auth', 'db', 'delivery', 'domain', 'errors', 'lib', 'services', 'surfaces'], // → api: the shared auth middleware and request context
  portal: ['api', 'catalogue', 'console', 'db', 'delivery', 'domain', 'errors', 'lib', 'services', 'surfaces'], // → console: its layout, attempt views, CSRF check and error statuses
  // Planned by issue 22 item 1 (one module per surface); narrow this row once the folder exists.
  surfaces: ['api', 'auth', 'catalogue', 'config', 'db', 'delivery', 'domain', 'errors', 'lib', 'services'],
  app: ['api', 'console', 'errors', 'lib', 'portal', 'services', 'surfaces', 'version'],
  runtime: ['api', 'app', 'auth', 'cli', 'config', 'console', 'db', 'delivery', 'lib', 'node_modules', 'services', 'surfaces'], // → node_modules: the API reference script and its version, embedded by path (Bun's binary, the Worker); → cli: bun.ts, the single binary's entry, runs CLI commands too; → console: create-services.ts makes the console's sign-in limiter, process state
  cli: ['auth', 'catalogue', 'config', 'db', 'delivery', 'domain', 'runtime', 'services', 'version'],
};

const SRC = join(ROOT, 'src');
const IMPORT = /^\s*(?:import|export)\s[^;]*?\bfrom\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gms;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `api/admin/index.ts` → `api`; `app.ts` → `app`; a package's file imported by path → `node_modules`. */
const roomOf = (file: string) => {
  const path = relative(SRC, file);
  return path.startsWith('../node_modules/') ? 'node_modules' : path.split('/')[0]!.replace(/\.(ts|js)$/, '');
};

/** Every relative import of every file under src/ (static, re-exports, type-only and dynamic). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const targets = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) => resolve(dirname(file), (match[1] ?? match[2])!));
    graph.set(file, targets);
  }
  return graph;
}

describe('architecture: which room of src/ may import which', () => {
  const graph = importGraph();

  it('reads the imports (a check that finds nothing would pass anything)', () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok([...graph.values()].flat().length > 300);
  });

  it('knows every room', () => {
    const unknown = new Set([...graph.keys()].map(roomOf).filter((room) => !(room in ALLOWED)));
    assert.deepEqual([...unknown], [], 'a new room: add a row to ALLOWED in test/architecture.test.ts and a box to docs/architecture.md');
  });

  it('imports only along the allowed edges', () => {
    const refused: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const [from, to] = [roomOf(file), roomOf(target)];
        if (from !== to && !ALLOWED[from]?.includes(to)) refused.push(`${relative(SRC, file)} → ${relative(SRC, target)} (${from} → ${to})`);
      }
    }
    assert.deepEqual(refused, [], 'an import across rooms the table does not allow: move the code, or change the table and docs/architecture.md together');
  });

  it('has no import cycle between files', () => {
    // Tarjan's strongly connected components over the file graph; any component of two or more files is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    const visit = (file: string) => {
      index.set(file, index.size);
      low.set(file, index.get(file)!);
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue;
        if (!index.has(target)) {
          visit(target);
          low.set(file, Math.min(low.get(file)!, low.get(target)!));
        } else if (stack.includes(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
      if (low.get(file) === index.get(file)) {
        const component = stack.splice(stack.indexOf(file));
        if (component.length > 1) cycles.push(component.map((member) => relative(SRC, member)));
      }
    };
    for (const file of graph.keys()) if (!index.has(file)) visit(file);
    assert.deepEqual(cycles, []);
  });
});

describe('architecture: one store port', () => {
  it('every query is built in src/db (its repository), where the dialect module can spell it for SQLite and Postgres', () => {
    const QUERY = /\.(selectFrom|updateTable|insertInto|deleteFrom|replaceInto|mergeInto|with)\(|\bsql`|\bsql\.(raw|lit|ref|join)\(/;
    const outside = sourceFiles(SRC)
      .filter((file) => !relative(SRC, file).startsWith('db/') && !relative(SRC, file).startsWith('client/'))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, index) => (QUERY.test(line) ? `${relative(SRC, file)}:${index + 1}: ${line.trim()}` : null))
          .filter((line) => line !== null),
      );
    assert.deepEqual(outside, [], 'SQL outside src/db: move it into a src/db/repo function');
  });
});
