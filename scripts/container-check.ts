/**
 * The container check CI can run without a Docker engine: lints the Dockerfile, then follows its
 * own steps in a temporary folder (the COPYs, the production `npm install`, the ENV, a non-root
 * user, the CMD), runs the contract suite against the result, runs the HEALTHCHECK command, and
 * sends the STOPSIGNAL expecting a clean exit. What cannot be reproduced outside an image (the base
 * image, groupadd/useradd) is printed as skipped. Usage: node scripts/container-check.ts
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { CONTRACT_ENV } from '../test/contract/targets.ts';
import { lintDockerfile, parseDockerfile, splitFlags } from './container/dockerfile.ts';
import { freePort } from './free-port.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';
const NOBODY = 65534;
const step = (message: string) => console.log(`container-check: ${message}`);

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const problems = lintDockerfile(text);
if (problems.length) {
  console.error(`Dockerfile lint failed:\n${problems.join('\n')}`);
  process.exit(1);
}
step('Dockerfile lint clean (dockerfile-utils + image policies)');

const work = mkdtempSync(join(tmpdir(), 'hookgate-container-'));
chmodSync(work, 0o755);
const volume = join(work, 'data');
/** Where a container path of a stage lives on this machine: /data is the shared volume. */
const hostPath = (stage: string, path: string) => (path === '/data' || path.startsWith('/data/') ? join(volume, path.slice(5)) : join(work, stage, path));

const { stages } = parseDockerfile(text);
const env: Record<string, string> = {};
let user = 'root';
let cmd: string[] = [];
let healthcheck: string[] = [];
let workdir = '/';
for (const stage of stages) {
  workdir = '/';
  for (const { keyword, args } of stage.instructions) {
    const here = hostPath(stage.name, workdir);
    if (keyword === 'WORKDIR') {
      workdir = args;
      mkdirSync(hostPath(stage.name, workdir), { recursive: true });
    } else if (keyword === 'COPY') {
      const { flags, rest } = splitFlags(args);
      const parts = rest.split(' ');
      const destination = resolve(here, parts.pop()!);
      for (const source of parts) {
        const from = flags.has('from') ? hostPath(flags.get('from')!, source) : join(ROOT, source);
        const target = parts.length > 1 || rest.endsWith('/') ? join(destination, basename(source)) : destination;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(from, target, { recursive: true });
      }
    } else if (keyword === 'RUN' && /\bnpm\b/.test(args)) {
      const command = splitFlags(args).rest.replaceAll('/run/secrets/ca', SYSTEM_CA);
      step(`[${stage.name}] RUN ${command}`);
      execFileSync('sh', ['-c', command], { cwd: here, stdio: 'inherit' });
    } else if (keyword === 'RUN') {
      step(`[${stage.name}] skipped (base-image setup, reproduced below where it matters): RUN ${args}`);
    } else if (keyword === 'ENV' && stage === stages.at(-1)) {
      for (const pair of args.split(' ')) {
        const [name = '', value = ''] = pair.split('=');
        env[name] = value;
      }
    } else if (keyword === 'USER') {
      user = args;
    } else if (keyword === 'CMD') {
      cmd = JSON.parse(args) as string[];
    } else if (keyword === 'HEALTHCHECK') {
      healthcheck = JSON.parse(splitFlags(args).rest.replace(/^CMD /, '')) as string[];
    }
  }
}
const app = hostPath(stages.at(-1)!.name, workdir);
mkdirSync(volume, { recursive: true });
const asRoot = process.getuid?.() === 0;
if (asRoot) chownSync(volume, NOBODY, NOBODY);
// The image brings its own Node on PATH; here a copy of this Node, readable by the unprivileged user.
const nodeDir = hostPath(stages.at(-1)!.name, '/usr/local/bin');
mkdirSync(nodeDir, { recursive: true });
cpSync(process.execPath, join(nodeDir, 'node'));
step(`image user is "${user}"; here the server runs as ${asRoot ? `uid ${NOBODY} (nobody)` : `uid ${process.getuid?.()} (not root)`}`);

const port = await freePort();
const runEnv = {
  ...env,
  PATH: nodeDir,
  HOST: '127.0.0.1',
  PORT: String(port),
  DATABASE_URL: env.DATABASE_URL!.replace(/^\/data/, volume),
  ...CONTRACT_ENV,
  // Production refuses http:// targets; the contract delivers to a receiver on 127.0.0.1.
  HOOKGATE_ENV: 'development',
};
const identity = asRoot ? { uid: NOBODY, gid: NOBODY } : {};

const refused = spawnSync(cmd[0]!, cmd.slice(1), {
  cwd: app,
  env: { ...env, PATH: runEnv.PATH, DATABASE_URL: runEnv.DATABASE_URL },
  ...identity,
  encoding: 'utf8',
  timeout: 30_000,
});
if (refused.error) throw refused.error;
if (refused.status !== 1 || !/JWT_SECRET|HOOKGATE_ENCRYPTION_KEY/.test(refused.stderr)) {
  throw new Error(`with the image's production ENV and no secrets the server must refuse to start; got ${refused.status}: ${refused.stderr}`);
}
step(`production ENV without secrets: refused to start (${refused.stderr.trim()})`);

const server = spawn(cmd[0]!, cmd.slice(1), { cwd: app, env: runEnv, ...identity, stdio: ['ignore', 'pipe', 'pipe'] });
const logs: string[] = [];
server.stdout.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
server.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
let failed = false;
try {
  await waitForHealth(`http://127.0.0.1:${port}`, 30_000);
  step(`CMD ${JSON.stringify(cmd)} serves on port ${port}`);
  const suite = spawnSync(process.execPath, ['--test', 'test/contract/external.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOOKGATE_URL: `http://127.0.0.1:${port}` },
    stdio: 'inherit',
    timeout: 300_000,
  });
  if (suite.status !== 0) throw new Error('the contract suite failed against the container build');
  const health = spawnSync(healthcheck[0]!, healthcheck.slice(1), { cwd: app, env: runEnv, ...identity, timeout: 10_000 });
  if (health.status !== 0) throw new Error(`HEALTHCHECK exited ${health.status}`);
  step('HEALTHCHECK command exits 0');
  server.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<string>((done) => setTimeout(() => done('timeout'), 20_000))]);
  if (code !== 0) throw new Error(`STOPSIGNAL SIGTERM: expected exit 0 within 20 s, got ${code}`);
  if (!logs.join('').includes('shutting down')) throw new Error('no graceful shutdown logged');
  step('STOPSIGNAL SIGTERM: drained and exited 0');
  if (asRoot && !existsSync(join(volume, 'hookgate.db'))) throw new Error('no database on the volume');
  step('container check passed');
} catch (error) {
  failed = true;
  console.error(`container-check failed: ${(error as Error).message}\n--- server log ---\n${logs.join('').slice(-4000)}`);
} finally {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not become healthy (exit ${server.exitCode})`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
