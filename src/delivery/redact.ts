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
  return secretMasker(secrets)(text);
}

/**
 * `redactSecrets` for one set of secrets over many texts (an answer's headers and its body): the
 * secrets' spellings are worked out once, not once per text.
 */
export function secretMasker(secrets: readonly string[]): (text: string) => string {
  const searched = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  const spelled = searched.flatMap(spellings);
  return (text) => {
    let redacted = text;
    for (const spelling of spelled) if (redacted.includes(spelling)) redacted = redacted.replaceAll(spelling, MASK);
    for (const secret of searched) {
      const start = startOfTail(redacted, secret);
      if (start >= 0) redacted = redacted.slice(0, start) + MASK;
    }
    return redacted;
  };
}

/** Where the longest tail of `text` that begins `secret` (at least MIN_SECRET_LENGTH long, shorter than the secret) starts; -1 if none. */
function startOfTail(text: string, secret: string): number {
  const first = secret.charCodeAt(0);
  for (let at = Math.max(0, text.length - secret.length + 1); at <= text.length - MIN_SECRET_LENGTH; at++) {
    if (text.charCodeAt(at) === first && secret.startsWith(text.slice(at))) return at;
  }
  return -1;
}

/** The secret part of a credential header value: the token after `Basic ` or `Bearer `, else the whole value (an API key). */
export const credentialOf = (headerValue: string): string => /^(?:Basic|Bearer) +(.+)$/i.exec(headerValue)?.[1] ?? headerValue;
