/**
 * Keeps an endpoint's own secrets out of the attempt log. A receiver that echoes its request (many
 * do, to help debugging) would otherwise have the outbound credentials stored with its response
 * and served by the history APIs.
 */
export const MASK = '****';

/** Shorter values are not searched for (a 1–3 character password would mask every match in the text). */
const MIN_SECRET_LENGTH = 4;

/** The ways a receiver may spell a value it echoes: as sent, inside a JSON string (with or without `\/`), URL-encoded. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, json, json.replaceAll('/', '\\/'), encodeURIComponent(secret)])];
}

/**
 * `text` with every spelling of every secret replaced by MASK. A stored response body is cut after
 * its first bytes, so a text that ends with the start of a secret has that tail masked too.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const searched = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  let redacted = text;
  for (const secret of searched) {
    for (const spelling of spellings(secret)) if (redacted.includes(spelling)) redacted = redacted.replaceAll(spelling, MASK);
  }
  for (const secret of searched) {
    for (let cut = Math.min(secret.length - 1, redacted.length); cut >= MIN_SECRET_LENGTH; cut--) {
      if (redacted.endsWith(secret.slice(0, cut))) {
        redacted = redacted.slice(0, -cut) + MASK;
        break;
      }
    }
  }
  return redacted;
}

/** The secret part of a credential header value: the token after `Basic ` or `Bearer `, else the whole value (an API key). */
export const credentialOf = (headerValue: string): string => /^(?:Basic|Bearer) +(.+)$/i.exec(headerValue)?.[1] ?? headerValue;
