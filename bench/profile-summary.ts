import { readFileSync } from 'node:fs';

/**
 * Summarises V8 .cpuprofile files (from `npm run bench -- --profile`, which runs the server with
 * `node --cpu-prof`): self time by function and by package / source file, top entries first.
 * Usage: node bench/profile-summary.ts <file.cpuprofile>... [--top 25]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const files = args.filter((arg, index) => !arg.startsWith('--') && (topIndex < 0 || index !== topIndex + 1));

function where(url: string): string {
  if (!url) return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const local = /\/(src|bench)\/(.+)$/.exec(url);
  if (local) return `${local[1]}/${local[2]}`;
  return url.startsWith('node:') ? url : url.replace(/^.*\//, '');
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${where(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const place = frame.url ? where(frame.url) : frame.functionName;
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
  }
  const show = (title: string, map: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((micros / total) * 100).toFixed(1).padStart(5)} %  ${name}\n`);
    }
  };
  process.stdout.write(`\n== ${file}: ${(total / 1e6).toFixed(1)} s sampled\n`);
  show('self time by package / file', byPlace);
  show('self time by function', byFunction);
}
