import { text } from 'node:stream/consumers';
import { CONSOLE_ROLES, ConsoleUserError, consoleUserView, createConsoleUser, disableUser, listUsers, revokeSessions } from '../domain/console-users.ts';
import { type Command, required, UsageError, withRuntime } from './command.ts';
import { formatTable } from './table.ts';

/** A domain refusal (bad name, taken name, unknown user) is a usage error: exit 2 with its message. */
const asUsage = <T>(work: Promise<T>): Promise<T> =>
  work.catch((error) => {
    throw error instanceof ConsoleUserError ? new UsageError(error.message) : error;
  });

/** Console users (besides the bootstrap admin of HOOKGATE_ADMIN_USER) and their sessions. */
export const userCommands: Record<string, Command> = {
  'user create': {
    summary: 'Create a console user (viewer, operator or admin); prints a generated password once unless --password-stdin',
    usage: `hookgate user create --name NAME --role ${CONSOLE_ROLES.join('|')} [--password-stdin]`,
    options: { name: { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    run: async (values) => {
      const name = required(values, 'name');
      const role = required(values, 'role');
      // One line from stdin, without its line ending (`echo "$PASSWORD" | hookgate user create …`).
      const password = values['password-stdin'] ? (await text(process.stdin)).replace(/\r?\n$/, '') : undefined;
      return withRuntime(({ services }) =>
        asUsage(
          createConsoleUser(services.db, { name, role, password, now: services.clock.now() }).then(({ user, generatedPassword }) => ({
            ...consoleUserView(user),
            ...(generatedPassword ? { password: generatedPassword } : {}),
          })),
        ),
      );
    },
  },
  'user list': {
    summary: 'List the console users (never their passwords)',
    usage: 'hookgate user list [--json]',
    options: {},
    run: () => withRuntime(async ({ services }) => ({ items: (await listUsers(services.db)).map(consoleUserView) })),
    table: (result: { items: ReturnType<typeof consoleUserView>[] }) => formatTable(result.items, ['name', 'role', 'created_at', 'disabled_at']),
  },
  'user disable': {
    summary: 'Disable a console user and revoke its sessions at once',
    usage: 'hookgate user disable --name NAME',
    options: { name: { type: 'string' } },
    run: (values) =>
      withRuntime(({ services }) =>
        asUsage(disableUser(services.db, required(values, 'name'), services.clock.now()).then(({ user, revoked }) => ({ ...consoleUserView(user), sessions_revoked: revoked }))),
      ),
  },
  'user revoke-sessions': {
    summary: 'Sign a console user (or the bootstrap admin) out everywhere',
    usage: 'hookgate user revoke-sessions --name NAME',
    options: { name: { type: 'string' } },
    run: (values) =>
      withRuntime(async ({ services }) => {
        const name = required(values, 'name');
        return { name, sessions_revoked: await revokeSessions(services.db, name, services.clock.now()) };
      }),
  },
};
