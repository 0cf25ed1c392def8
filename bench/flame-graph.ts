import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * A V8 .cpuprofile (`node --cpu-prof`, or `npm run bench -- --profile`) as an SVG flame graph, and
 * the server's busy time split by delivery stage (claim, load, sign, send, record, schedule the
 * next, …). Usage:
 *   node bench/flame-graph.ts <file.cpuprofile> [--svg out.svg] [--title "…"] [--min 0.1]
 * A sample's stage is that of the innermost frame of its stack that belongs to a stage (STAGES);
 * samples whose stack holds none (an answer read by undici from the event loop, a group commit run
 * from setImmediate) are put by their own frame's package or file (FALLBACKS). Percentages are of
 * the busy time: idle and start-up (module loading) samples are left out.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stage markers: function names, in hookgate's own files (url matching `file`). */
const STAGES: { stage: string; file: RegExp; functions: RegExp }[] = [
  {
    stage: 'claim (UPDATE … RETURNING, and the batch’s events and endpoints)',
    file: /src\/(db\/repo\/deliveries|delivery\/engine\/(sweep|fast-path))\.ts$/,
    functions: /^(claim\w*|take|claimUnclaimed|claimRound|claimFor)$/,
  },
  {
    stage: 'schedule the next (fifo next-in-line, catch-up claims)',
    file: /src\/delivery\/(engine\/(index|sweep)|attempt)\.ts$/,
    functions: /^(followInLine|catchUp|scheduleNext|noteOutcome)$/,
  },
  { stage: 'load (endpoint and event rows)', file: /src\/delivery\/attempt\.ts$/, functions: /^loadContext$/ },
  { stage: 'gate (circuit, rate limit)', file: /src\/delivery\/(attempt|endpoint-gates)\.ts$/, functions: /^(gate|passGates)$/ },
  {
    stage: 'sign (payload, secret, HMAC)',
    file: /src\/delivery\/(attempt|payload|signer)\.ts$|src\/lib\/(cipher|mac)\.ts$/,
    functions: /^(sign|buildPayload|signatureHeaders|decrypt|mac|sign\w*)$/,
  },
  { stage: 'send (undici, sockets)', file: /src\/delivery\/(attempt|transports\/undici)\.ts$/, functions: /^(send|post|dispatchCapped)$/ },
  {
    stage: 'record (mask, attempt row + delivery state, commit)',
    file: /src\/delivery\/attempt\.ts$|src\/db\/dialects\/synchronous-sqlite\.ts$/,
    functions: /^(record|redactedExchange|commitGroup|runAlone|runUnit)$/,
  },
  { stage: 'report (metrics, log)', file: /src\/delivery\/attempt\.ts$/, functions: /^report$/ },
  { stage: 'queue (limiter, backlog)', file: /src\/delivery\/(limiter|engine\/backlog)\.ts$/, functions: /./ },
];

const FALLBACKS: { stage: string; test: (node: ProfileNode) => boolean }[] = [
  { stage: '(idle)', test: ({ callFrame }) => callFrame.functionName === '(idle)' },
  { stage: '(garbage collector)', test: ({ callFrame }) => callFrame.functionName === '(garbage collector)' },
  {
    stage: 'send (undici, sockets)',
    test: ({ callFrame: { url, functionName } }) =>
      /node_modules\/undici\//.test(url) ||
      /node:(net|internal\/stream_base_commons|internal\/streams|_http)/.test(url) ||
      /^(writev|writeBuffer|writeUtf8String|read|onStreamRead)$/.test(functionName),
  },
  { stage: 'store, other (driver, Kysely)', test: ({ callFrame: { url } }) => /node_modules\/(kysely|better-sqlite3)\//.test(url) || /src\/db\//.test(url) },
];

const isStartup = (stack: ProfileNode[]) =>
  stack.some(({ callFrame }) => /node:internal\/modules|deps\/amaro/.test(callFrame.url) || callFrame.functionName === 'compileSourceTextModule');

function stageOf(stack: readonly ProfileNode[]): string {
  for (let index = stack.length - 1; index >= 0; index--) {
    const { functionName, url } = stack[index]!.callFrame;
    for (const rule of STAGES) if (rule.file.test(url) && rule.functions.test(functionName)) return rule.stage;
  }
  const leaf = stack.at(-1)!;
  return FALLBACKS.find((rule) => rule.test(leaf))?.stage ?? 'other (event loop, runtime, HTTP of /metrics)';
}

/** The stacks of a profile (root first), by leaf node id. */
function stacks(profile: Profile): Map<number, ProfileNode[]> {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const result = new Map<number, ProfileNode[]>();
  for (const node of profile.nodes) {
    const stack: ProfileNode[] = [];
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) stack.unshift(at);
    result.set(node.id, stack.slice(1)); // without V8's (root)
  }
  return result;
}

export interface StageSplit {
  busyMicros: number;
  stages: { stage: string; share: number }[];
}

/** The busy time of a profile, split by stage (shares of the busy time, largest first). */
export function stageSplit(profile: Profile): StageSplit {
  const byLeaf = stacks(profile);
  const micros = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const stack = byLeaf.get(id) ?? [];
    const delta = profile.timeDeltas[index] ?? 0;
    if (stack.length === 0 || isStartup(stack)) return;
    const stage = stageOf(stack);
    if (stage === '(idle)') return;
    busy += delta;
    micros.set(stage, (micros.get(stage) ?? 0) + delta);
  });
  const stages = [...micros].map(([stage, value]) => ({ stage, share: value / Math.max(1, busy) })).sort((a, b) => b.share - a.share);
  return { busyMicros: busy, stages };
}

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A flame graph (root at the bottom, width = inclusive sampled time), each frame coloured by its stage; frames narrower than `minShare` % are left out. */
export function flameGraphSvg(profile: Profile, options: { title: string; minShare: number; width?: number }): string {
  const width = options.width ?? 1200;
  const rowHeight = 16;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const byLeaf = stacks(profile);
  profile.samples.forEach((id, index) => {
    const stack = byLeaf.get(id) ?? [];
    if (stack.length === 0 || isStartup(stack) || stack.at(-1)!.callFrame.functionName === '(idle)') return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = new Map<number, number>();
  const inclusive = (node: ProfileNode): number => {
    const value = (self.get(node.id) ?? 0) + (node.children ?? []).reduce((sum, child) => sum + inclusive(byId.get(child)!), 0);
    total.set(node.id, value);
    return value;
  };
  const root = profile.nodes[0]!;
  const all = inclusive(root);
  const palette = ['#e4572e', '#f3a712', '#a8c686', '#669bbc', '#29335c', '#c06c84', '#6c5b7b', '#355c7d', '#99b898', '#feceab', '#ff847c', '#bbbbbb'];
  const stageColours = new Map<string, string>();
  const colourOf = (stage: string) => {
    if (!stageColours.has(stage)) stageColours.set(stage, palette[stageColours.size % palette.length]!);
    return stageColours.get(stage)!;
  };
  const rects: string[] = [];
  let depthMax = 0;
  const draw = (node: ProfileNode, x: number, depth: number, stack: ProfileNode[]) => {
    const value = total.get(node.id) ?? 0;
    const w = (value / all) * width;
    if ((value / all) * 100 < options.minShare) return;
    depthMax = Math.max(depthMax, depth);
    const frame = node.callFrame;
    const name = `${frame.functionName || '(anonymous)'}${frame.url ? ` ${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}` : ''}`;
    const stage = stageOf(stack);
    rects.push(
      `<g><title>${xmlText(name)}: ${((value / all) * 100).toFixed(2)} % (${xmlText(stage)})</title><rect x="${x.toFixed(2)}" y="DEPTH${depth}" width="${w.toFixed(2)}" height="${rowHeight - 1}" fill="${colourOf(stage)}"/>${
        w > 40 ? `<text x="${(x + 3).toFixed(2)}" y="TEXT${depth}">${xmlText(name.slice(0, Math.floor(w / 6.5)))}</text>` : ''
      }</g>`,
    );
    let childX = x;
    for (const childId of node.children ?? []) {
      const child = byId.get(childId)!;
      draw(child, childX, depth + 1, [...stack, child]);
      childX += ((total.get(childId) ?? 0) / all) * width;
    }
  };
  for (const childId of root.children ?? []) {
    const child = byId.get(childId)!;
    let x = 0;
    for (const earlier of root.children!) {
      if (earlier === childId) break;
      x += ((total.get(earlier) ?? 0) / all) * width;
    }
    draw(child, x, 0, [child]);
  }
  const legendRows = stageColours.size;
  const top = 40 + legendRows * 16;
  const height = top + (depthMax + 1) * rowHeight + 10;
  const body = rects
    .join('\n')
    .replace(/y="DEPTH(\d+)"/g, (_, depth) => `y="${height - 10 - (Number(depth) + 1) * rowHeight}"`)
    .replace(/y="TEXT(\d+)"/g, (_, depth) => `y="${height - 10 - (Number(depth) + 1) * rowHeight + 12}"`);
  const legend = [...stageColours]
    .map(([stage, colour], index) => `<rect x="10" y="${30 + index * 16}" width="12" height="12" fill="${colour}"/><text x="28" y="${40 + index * 16}">${xmlText(stage)}</text>`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="18" font-size="14">${xmlText(options.title)} (${(all / 1e6).toFixed(1)} s busy; hover a frame for its share)</text>
${legend}
${body}
</svg>
`;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { svg: { type: 'string' }, title: { type: 'string' }, min: { type: 'string', default: '0.1' } } });
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const split = stageSplit(profile);
    process.stdout.write(`\n== ${file}: ${(split.busyMicros / 1e6).toFixed(2)} s busy (idle and start-up left out)\n`);
    for (const { stage, share } of split.stages) process.stdout.write(`${(share * 100).toFixed(1).padStart(5)} %  ${stage}\n`);
    if (values.svg) {
      writeFileSync(values.svg, flameGraphSvg(profile, { title: values.title ?? file, minShare: Number(values.min) }));
      process.stdout.write(`wrote ${values.svg}\n`);
    }
  }
}
