import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../src/app.ts';
import { contentSecurityPolicy } from '../src/lib/page-security.ts';
import { type NodeRuntime, setUpNode } from '../src/runtime/node-setup.ts';
import { policyProblems } from './support/page-audit.ts';
import { ENCRYPTION_KEY, JWT_SECRET } from './support/server.ts';

const headersOf = (response: Response) => Object.fromEntries(response.headers.entries());

describe('page security headers: every HTML page, including pages added later', () => {
  let runtime: NodeRuntime;
  let app: ReturnType<typeof createApp>;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-pages-'));
    runtime = await setUpNode({ DATABASE_URL: join(dir, 'hookgate.db'), JWT_SECRET, HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY, LOG_LEVEL: 'silent' });
    app = createApp(runtime.services);
    // Routes as a later room would add them, after createApp: one page with no policy of its own, one embeddable page with its allow-list.
    app.get('/later-page', (c) => c.html('<!doctype html><title>later</title>'));
    app.get('/embeddable', (c) => {
      c.header('Content-Security-Policy', contentSecurityPolicy({ frameAncestors: ['https://app.customer.example'] }));
      return c.html('<!doctype html><title>embedded</title>');
    });
  });
  after(async () => {
    await runtime.engine.shutdown(0);
    await runtime.store.close();
  });

  it('gives a page whose route set no policy the strict one, with nosniff, no referrer and no framing', async () => {
    const response = await app.request('/later-page');
    assert.deepEqual(policyProblems(headersOf(response)), []);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
  });

  it('keeps a page’s own policy: an embeddable page names who may frame it, scripts stay strict', async () => {
    const response = await app.request('/embeddable');
    assert.match(response.headers.get('content-security-policy')!, /frame-ancestors https:\/\/app\.customer\.example;/);
    assert.deepEqual(policyProblems(headersOf(response), { embeddable: true }), []);
    assert.equal(response.headers.get('x-frame-options'), null, 'X-Frame-Options would forbid the framing the allow-list permits');
  });

  it('sends nosniff on every answer, JSON too', async () => {
    assert.equal((await app.request('/health')).headers.get('x-content-type-options'), 'nosniff');
  });

  it('/docs: scripts only from our origin or the response’s nonce, a fresh nonce each time', async () => {
    const [first, second] = [await app.request('/docs'), await app.request('/docs')];
    assert.deepEqual(policyProblems(headersOf(first)), []);
    const nonce = (response: Response) => /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy')!)?.[1];
    assert.ok(nonce(first) && nonce(first) !== nonce(second));
    assert.ok((await first.text()).includes(`nonce="${nonce(first)}"`));
  });
});
