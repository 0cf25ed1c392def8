/**
 * Reads a Dockerfile into stages of instructions, and lints it: the syntax with the
 * `dockerfile-utils` validator (what editors use; hadolint is not installable here), then the
 * policies hookgate's image promises.
 */
import { validate } from 'dockerfile-utils';

export interface Instruction {
  keyword: string;
  /** The arguments, continuation lines joined, flags (`--from=deps`) still in place. */
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  args: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let logical = lines[index]!;
    while (/\\\s*$/.test(logical) && index + 1 < lines.length) logical = `${logical.replace(/\\\s*$/, ' ')}${lines[++index]}`;
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/s.exec(trimmed) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.replace(/\s+/g, ' ').trim(), line: start + 1 };
    if (instruction.keyword === 'FROM') {
      const [image = '', , name] = instruction.args.split(' ');
      stages.push({ name: name ?? String(stages.length), base: image, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split('=');
      args.set(name, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** Splits leading `--flag=value` options off an instruction's arguments. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args;
  for (let match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); match; match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags.set(match[1]!, match[2] ?? '');
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** Every problem found, as `line N: message`; empty when the Dockerfile is clean. */
export function lintDockerfile(text: string): string[] {
  const problems = validate(text).map((diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
  const { args, stages } = parseDockerfile(text);
  const final = stages.at(-1);
  if (!final) return [...problems, 'no FROM'];
  const all = stages.flatMap((stage) => stage.instructions);
  const find = (keyword: string) => final.instructions.filter((instruction) => instruction.keyword === keyword);
  const base = args.get('BASE') ?? '';
  if (!/^node:\d+-[a-z]+-slim$/.test(base)) problems.push(`ARG BASE must default to a pinned Node slim image (node:<major>-<debian>-slim), not "${base}"`);
  for (const stage of stages) {
    if (stage.base !== `\${BASE}`) problems.push(`stage ${stage.name} must build FROM \${BASE}, not ${stage.base}`);
  }
  const user = find('USER').at(-1)?.args;
  if (!user || user === 'root' || user === '0') problems.push('the final stage must switch to a non-root USER');
  if (!find('HEALTHCHECK').some((instruction) => instruction.args.includes('/health'))) problems.push('HEALTHCHECK on /health is missing');
  if (find('EXPOSE').length === 0) problems.push('EXPOSE is missing');
  if (find('STOPSIGNAL').at(-1)?.args !== 'SIGTERM') problems.push('STOPSIGNAL SIGTERM is missing');
  if (!find('VOLUME').some((instruction) => instruction.args.includes('/data'))) problems.push('VOLUME /data is missing');
  const cmd = find('CMD').at(-1)?.args ?? '';
  if (!cmd.startsWith('[')) problems.push('CMD must use the exec form (so the server is PID 1 and gets SIGTERM)');
  for (const instruction of all) {
    if (instruction.keyword === 'ADD') problems.push(`line ${instruction.line}: use COPY, not ADD`);
    if (instruction.keyword === 'RUN' && /\bapt-get install\b/.test(instruction.args) && !instruction.args.includes('--no-install-recommends')) {
      problems.push(`line ${instruction.line}: apt-get install without --no-install-recommends`);
    }
    if (instruction.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(instruction.args) && !/--omit=dev/.test(instruction.args)) {
      problems.push(`line ${instruction.line}: npm install without --omit=dev`);
    }
  }
  return problems;
}
