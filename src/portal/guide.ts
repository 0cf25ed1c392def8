import { html } from 'hono/html';
import { eventTypesFor } from '../catalogue.ts';
import type { Html } from '../console/layout.ts';
import { pretty } from '../console/pages.ts';
import type { EventRow } from '../db/schema.ts';
import { buildPayload } from '../delivery/payload.ts';

/** The portal's two reference pages: the event catalogue with example bodies, and how to verify a delivery's signature. */

/** Verifies a Standard Webhooks signature (docs/delivery.md, "Signatures"); test/portal.test.ts runs it against a real delivery. */
export const NODE_VERIFIER = `import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * True when one of the space-separated \`v1,<base64>\` entries of webhook-signature is the
 * HMAC-SHA256 of "webhook-id.webhook-timestamp.body" keyed with the secret's base64 part
 * (the bytes after "whsec_"), and the timestamp is at most 5 minutes away.
 * Pass the raw body exactly as received, before any JSON parsing.
 */
export function verifyWebhook(headers, rawBody, secret, toleranceSeconds = 300) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(\`\${id}.\${timestamp}.\${rawBody}\`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value = ''] = entry.split(',', 2);
    const given = Buffer.from(value, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
`;

export const PYTHON_VERIFIER = `import base64, hashlib, hmac, time

def verify_webhook(headers, raw_body: bytes, secret: str, tolerance_seconds: int = 300) -> bool:
    """True when one v1 signature of webhook-signature matches; pass the raw body as received."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return False
    if abs(time.time() - int(timestamp)) > tolerance_seconds:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        entry.startswith("v1,") and hmac.compare_digest(entry[3:], expected)
        for entry in signatures.split(" ")
    )
`;

/** An example body of each event, built by the same code as real deliveries. */
function exampleBody(tenantId: string, type: ReturnType<typeof eventTypesFor>[number]): string {
  const at = Date.UTC(2025, 0, 1, 12);
  const event: EventRow = {
    id: 'evt_0123456789abcdef01234567',
    tenant_id: tenantId,
    type: type.name,
    requested_type: type.name,
    data: JSON.stringify(type.exampleData),
    as2_partner_id: null,
    idempotency_key: null,
    delivery_count: 1,
    occurred_at: at,
    created_at: at,
  };
  return pretty(buildPayload({ surface: 'admin', tenant_id: tenantId, as2_partner_id: null }, event));
}

export function catalogueView(tenantId: string): Html {
  const types = eventTypesFor('admin');
  return html`<h1>Event catalogue</h1>
<p>Each endpoint receives the events it subscribes to, as a JSON body of this shape. ${types.length} event types:</p>
<ul class="toc">${types.map((type) => html`<li><a href="#${type.name}"><code>${type.name}</code></a></li>`)}</ul>
${types.map(
  (type) => html`<section class="card" id="${type.name}">
  <h2><code>${type.name}</code></h2>
  <p>${type.description}</p>
  ${type.subscriptionName || type.spanishName ? html`<p class="muted">Also known as ${[type.subscriptionName, type.spanishName].filter(Boolean).join(', ')}</p>` : ''}
  <pre tabindex="0">${exampleBody(tenantId, type)}</pre>
</section>`,
)}`;
}

export function verifyingView(): Html {
  return html`<h1>Verifying signatures</h1>
<div class="card">
<p>Every delivery is signed the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> way, with the signing
secret of its endpoint (<code>whsec_…</code>, shown once when the endpoint is created or its secret rotated):</p>
<ul>
  <li><code>webhook-id</code>: the message id (<code>msg_…</code>), the same on every retry: use it to drop duplicates;</li>
  <li><code>webhook-timestamp</code>: seconds since the epoch; refuse requests more than a few minutes off;</li>
  <li><code>webhook-signature</code>: <code>v1,&lt;base64 HMAC-SHA256 of "id.timestamp.body"&gt;</code>; after a secret rotation,
  the old secret signs too for a grace period, space-separated, so accept the request when any entry matches.</li>
</ul>
<p>The <code>standardwebhooks</code> and <code>svix</code> libraries verify these headers with the <code>whsec_…</code> secret as is.
Without a library:</p>
</div>
<h2>Node.js</h2>
<pre tabindex="0"><code>${NODE_VERIFIER}</code></pre>
<h2>Python</h2>
<pre tabindex="0"><code>${PYTHON_VERIFIER}</code></pre>`;
}
