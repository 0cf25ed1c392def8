import { parseArgs } from 'node:util';
import { signDevToken } from '../auth/sign-token.ts';
import { findEventType } from '../catalogue.ts';
import { ConfigError, parseEnv } from '../config.ts';
import { createAs2Partner, findAs2Partner } from '../db/repo/as2-partners.ts';
import { getTenant } from '../db/repo/tenants.ts';
import { publishEvents } from '../domain/publish.ts';
import { createTenantWithKey } from '../domain/tenants.ts';
import { VERSION } from '../version.ts';
import { type CliHost, type Command, cliEnvironment, currentHost, ExitWith, required, UsageError, useHost, withRuntime } from './command.ts';
import { copyCommand } from './copy.ts';
import { deliveryCommands } from './deliveries.ts';
import { findCommands } from './find.ts';
import { tailCommand } from './tail.ts';
import { userCommands } from './users.ts';

/**
 * `hookgate <command>`: every command prints one JSON document on stdout and exits 0, or prints
 * `{"error":"…"}` on stderr and exits 1 (2 for a usage error). Commands with a table form print it
 * instead when stdout is a terminal, unless `--json` is given. `tail` prints one line per attempt.
 */
const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'Start the HTTP server and the delivery sweeper',
    usage: 'hookgate serve',
    options: {},
    run: async () => {
      await currentHost().serve();
      return undefined;
    },
  },
  migrate: {
    summary: 'Apply pending database migrations',
    usage: 'hookgate migrate',
    options: {},
    run: () => withRuntime(async () => ({ status: 'ok' }), { createStore: true }),
  },
  'tenant create': {
    summary: 'Create a tenant and its first API key',
    usage: 'hookgate tenant create --name NAME [--partner-org ID]',
    options: { name: { type: 'string' }, 'partner-org': { type: 'string' } },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const { tenant, key } = await createTenantWithKey(services.db, {
          name: required(values, 'name'),
          partnerOrgId: (values['partner-org'] as string | undefined) ?? null,
          now: services.clock.now(),
        });
        return { tenant_id: tenant.id, api_key: key.key };
      }),
  },
  'as2-partner create': {
    summary: 'Create an AS2 trading partner of a tenant',
    usage: 'hookgate as2-partner create --tenant TENANT_ID --name NAME',
    options: { tenant: { type: 'string' }, name: { type: 'string' } },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const tenantId = required(values, 'tenant');
        const name = required(values, 'name');
        if (!(await getTenant(services.db, tenantId))) throw new UsageError(`tenant ${tenantId} does not exist`);
        const partner = await createAs2Partner(services.db, { tenantId, name, now: services.clock.now() });
        return { partner_id: partner.id };
      }),
  },
  'events send': {
    summary: 'Publish an event into the outbox (a running server delivers it on its next sweep)',
    usage: 'hookgate events send --tenant TENANT_ID --type TYPE --data JSON [--partner ID] [--idempotency-key KEY]',
    options: { tenant: { type: 'string' }, type: { type: 'string' }, data: { type: 'string' }, partner: { type: 'string' }, 'idempotency-key': { type: 'string' } },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const tenantId = required(values, 'tenant');
        const type = required(values, 'type');
        if (!findEventType(type)) throw new UsageError(`unknown event type: ${type}`);
        let data: unknown;
        try {
          data = JSON.parse((values.data as string | undefined) ?? '{}');
        } catch {
          throw new UsageError('--data must be valid JSON');
        }
        if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError('--data must be a JSON object');
        if (!(await getTenant(services.db, tenantId))) throw new UsageError(`tenant ${tenantId} does not exist`);
        const partner = values.partner === undefined ? null : Number(values.partner);
        if (partner !== null && !(Number.isInteger(partner) && (await findAs2Partner(services.db, tenantId, partner)))) {
          throw new UsageError(`AS2 partner ${values.partner} does not exist for tenant ${tenantId}`);
        }
        const [result] = await publishEvents(
          services,
          [{ tenantId, type, data, as2PartnerId: partner, idempotencyKey: (values['idempotency-key'] as string | undefined) ?? null }],
          { dispatch: false },
        );
        return { event_id: result!.event_id, deliveries: result!.deliveries };
      }),
  },
  token: {
    summary: 'Sign a development JWT with JWT_SECRET',
    usage: 'hookgate token --sub SUB [--tenant TENANT_ID] [--partner-org ID] [--scope "webhooks:admin …"] [--ttl SECONDS]',
    options: { sub: { type: 'string' }, tenant: { type: 'string' }, 'partner-org': { type: 'string' }, scope: { type: 'string' }, ttl: { type: 'string' } },
    run: (values) =>
      // With JWT_SECRET given, no store is needed; without it, the development secret of the server's data folder is used.
      (cliEnvironment().JWT_SECRET ? Promise.resolve({ env: parseEnv(cliEnvironment()) }) : withRuntime(async (runtime) => runtime)).then(async ({ env }) => {
        if (!env.JWT_SECRET) throw new UsageError('JWT_SECRET is not set (tokens for a JWKS issuer come from that issuer)');
        const ttl = Number(values.ttl ?? 3600);
        if (!Number.isInteger(ttl) || ttl <= 0) throw new UsageError('--ttl must be a positive integer of seconds');
        const token = await signDevToken({
          secret: env.JWT_SECRET,
          sub: required(values, 'sub'),
          tenantId: values.tenant as string | undefined,
          partnerOrgId: values['partner-org'] as string | undefined,
          scope: values.scope as string | undefined,
          ttlSeconds: ttl,
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
        });
        return { token, access_token: token, token_type: 'Bearer', expires_in: ttl };
      }),
  },
  ...deliveryCommands,
  ...findCommands,
  ...userCommands,
  tail: tailCommand,
  copy: copyCommand,
};

function helpText(names = Object.keys(COMMANDS), usage = 'hookgate <command> [options]'): string {
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name]!.summary}`);
  return `Usage: ${usage}\n\nCommands:\n${lines.join('\n')}\n\nRun hookgate <command> --help for a command's options. Output is JSON on stdout (a table on a terminal where a command has one; --json forces JSON).\nExit codes: 0 ok, 1 failure, 2 usage or configuration error.\n`;
}

const HELP = ['--help', '-h', 'help'];

/** Runs one command line; `host` is the runtime it runs on (Node unless the single binary says Bun). */
export async function main(argv: string[], host?: CliHost): Promise<number> {
  useHost(host ?? (await import('./node-host.ts')).nodeHost);
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    process.stdout.write(`hookgate ${VERSION}\n`);
    return 0;
  }
  const two = argv.slice(0, 2).join(' ');
  const name = COMMANDS[two] ? two : argv[0];
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    const wantsHelp = argv.length === 0 || HELP.includes(argv[0]!) || HELP.includes(argv[1] ?? '');
    // `hookgate deliveries --help`: the commands of that group.
    const group = Object.keys(COMMANDS).filter((known) => argv[0] && known.startsWith(`${argv[0]} `));
    const text = group.length ? helpText(group, `hookgate ${argv[0]} <${group.map((known) => known.split(' ')[1]).join('|')}> [options]`) : helpText();
    (wantsHelp ? process.stdout : process.stderr).write(text);
    return wantsHelp ? 0 : 2;
  }
  const rest = argv.slice(name!.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: command.positionals === true,
    });
    const result = await command.run(values, positionals);
    const { output, code } = result instanceof ExitWith ? result : { output: result, code: 0 };
    if (output !== undefined) {
      const asTable = command.table && process.stdout.isTTY && values.json !== true;
      process.stdout.write(asTable ? command.table!(output as never) : `${JSON.stringify(output)}\n`);
    }
    return code;
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${JSON.stringify({ error: message })}\n`);
    return usage || error instanceof ConfigError ? 2 : 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exitCode = code;
}
