import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { ConsoleUser } from '../db/schema.ts';
import { CONSOLE_ROLES, ConsoleUserError, createConsoleUser, disableUser, listUsers, revokeSessions } from '../domain/console-users.ts';
import { ApiError, notFound } from '../errors.ts';
import { audit } from './actions.ts';
import { csrfField, inputField, orRefusal, postedForm, type RefusalStatus, selectField } from './forms.ts';
import { actionForm, empty, type Html, notice, when } from './layout.ts';
import { NOTICES, type NoticeKey } from './notices.ts';
import { type ConsoleEnv, requireRole } from './session.ts';

type Render = (c: Context<ConsoleEnv>, title: string, body: Html, status?: 200 | RefusalStatus) => Response | Promise<Response>;

/** The domain's refusals (bad name, taken name, short password, unknown user) read as the form's error. */
const asRefusal = <T>(work: Promise<T>): Promise<T> =>
  work.catch((error: unknown) => {
    if (error instanceof ConsoleUserError) throw new ApiError(/already exists/.test(error.message) ? 'conflict' : 'validation', error.message);
    throw error;
  });

const userTarget = (name: string) => ({ type: 'console_user', id: name, tenantId: null });

/**
 * /console/users (admin only): the console users and the same changes as `hookgate user …`
 * (src/domain/console-users.ts): create with a role and a password (or a generated one shown once),
 * disable (which also signs the user out), revoke sessions.
 */
export function registerUsersPage(app: Hono<ConsoleEnv>, render: Render): void {
  const usersPage = async (c: Context<ConsoleEnv>, form = { name: '', role: 'viewer' }, error?: { status: RefusalStatus; message: string }) => {
    const key = c.req.query('notice');
    const shown = error ? { text: error.message, kind: 'error' as const } : key && key in NOTICES ? NOTICES[key as NoticeKey] : undefined;
    const users = await listUsers(c.var.services.db);
    return render(c, 'Users', usersView(users, c.var.session.csrf, form, shown), error?.status ?? 200);
  };

  app.get('/users', (c) => {
    requireRole(c, 'admin', 'manage console users');
    return usersPage(c);
  });

  app.post('/users', async (c) => {
    requireRole(c, 'admin', 'manage console users');
    const form = await postedForm(c);
    const values = { name: form.text('name'), role: form.text('role') };
    // The password is taken as typed (spaces are characters of a passphrase too).
    const password = form.all('password')[0] || undefined;
    return orRefusal(
      async () => {
        const { user, generatedPassword } = await asRefusal(createConsoleUser(c.var.services.db, { ...values, password, now: c.var.services.clock.now() }));
        await audit(c, { action: 'console_user.created', target: userTarget(user.name), changes: { role: user.role, password: true } });
        return render(c, 'User created', createdView(user, generatedPassword));
      },
      (error) => usersPage(c, values, error),
    );
  });

  app.post('/users/:name/disable', async (c) => {
    requireRole(c, 'admin', 'manage console users');
    const name = c.req.param('name');
    const { revoked } = await disableUser(c.var.services.db, name, c.var.services.clock.now()).catch((error: unknown) => {
      throw error instanceof ConsoleUserError ? notFound(error.message) : error;
    });
    await audit(c, { action: 'console_user.disabled', target: userTarget(name), changes: { sessions_revoked: revoked } });
    return c.redirect('/console/users?notice=user-disabled', 303);
  });

  app.post('/users/:name/revoke-sessions', async (c) => {
    requireRole(c, 'admin', 'manage console users');
    const name = c.req.param('name');
    const revoked = await revokeSessions(c.var.services.db, name, c.var.services.clock.now());
    await audit(c, { action: 'console_user.sessions_revoked', target: userTarget(name), changes: { sessions_revoked: revoked } });
    return c.redirect('/console/users?notice=sessions-revoked', 303);
  });
}

function usersView(users: readonly ConsoleUser[], csrf: string, form: { name: string; role: string }, shown: { text: string; kind: 'ok' | 'error' } | undefined): Html {
  return html`<h1>Console users</h1>
${notice(shown?.text, shown?.kind)}
<p class="muted">Roles: <strong>viewer</strong> reads; <strong>operator</strong> also operates endpoints and deliveries; <strong>admin</strong> also manages tenants, API keys, AS2 partners and users.
The bootstrap admin of <code>HOOKGATE_ADMIN_USER</code> is not listed here.</p>
${
  users.length === 0
    ? empty('No console user yet.')
    : html`<table id="console-users">
  <thead><tr><th>Name</th><th>Role</th><th>Created</th><th>State</th><th>Actions</th></tr></thead>
  <tbody>${users.map(
    (user) => html`<tr>
    <td>${user.name}</td>
    <td>${user.role}</td>
    <td>${when(user.created_at)}</td>
    <td>${user.disabled_at === null ? html`<span class="badge enabled">active</span>` : html`<span class="badge disabled">disabled</span> ${when(user.disabled_at)}`}</td>
    <td><div class="actions">${
      user.disabled_at === null
        ? html`${actionForm(`/console/users/${encodeURIComponent(user.name)}/disable`, csrf, `Disable ${user.name}`, { busy: 'Disabling…' })}${actionForm(
            `/console/users/${encodeURIComponent(user.name)}/revoke-sessions`,
            csrf,
            `Sign ${user.name} out everywhere`,
            { busy: 'Revoking…' },
          )}`
        : ''
    }</div></td>
  </tr>`,
  )}</tbody>
</table>`
}
<section class="card form" id="new-user">
  <h2>Create a user</h2>
  <form method="post" action="/console/users">${csrfField(csrf)}
    ${inputField('Name', 'name', form.name, { required: true, placeholder: 'jane.doe' })}
    ${selectField(
      'Role',
      'role',
      form.role,
      CONSOLE_ROLES.map((role) => [role, role] as const),
    )}
    ${inputField('Password (optional, at least 12 characters)', 'password', '', { type: 'password', autocomplete: 'new-password', hint: 'Leave blank to generate one, shown once on the next page.' })}
    <p><button type="submit" class="primary" data-busy="Creating…">Create user</button></p>
  </form>
</section>`;
}

function createdView(user: ConsoleUser, generatedPassword: string | undefined): Html {
  return html`<p><a href="/console/users">← back to the users</a></p>
<h1>User ${user.name} created</h1>
<p>Role <strong>${user.role}</strong>.</p>
${
  generatedPassword
    ? html`<p>This is the only time the generated password is shown: hookgate keeps only its scrypt hash. Give it to ${user.name} now.</p>
<p class="secret"><code id="new-password">${generatedPassword}</code></p>`
    : html`<p class="muted">The password you typed is set; it is not shown again.</p>`
}`;
}
