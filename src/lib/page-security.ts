/**
 * The headers every HTML page hookgate serves carries (the console, its sign-in and error pages,
 * /docs, and any page added later): a strict Content-Security-Policy — scripts and styles only from
 * our own origin or carrying the response's nonce, nothing from another origin, no plugins, no
 * `<base>`, forms posting only to us, and no framing unless the page names who may frame it — plus
 * nosniff and no referrer.
 */
export interface PagePolicy {
  /** A fresh random value per response: inline `<script>`/`<style>` elements carrying it may run. */
  nonce?: string;
  /** Origins allowed to frame the page (an embeddable page's allow-list); absent or empty: no one. */
  frameAncestors?: readonly string[];
  /** Further image sources, e.g. `data:` for a bundled UI's inline icons. */
  imageSources?: readonly string[];
  /**
   * Allow inline styles ('unsafe-inline' in style-src, and so no nonce there, which would void it):
   * only for a bundled UI that injects `<style>` elements and attributes it cannot nonce (/docs).
   * Scripts stay strict either way.
   */
  inlineStyles?: boolean;
}

export function contentSecurityPolicy(policy: PagePolicy = {}): string {
  const nonce = policy.nonce ? ` 'nonce-${policy.nonce}'` : '';
  const framers = policy.frameAncestors?.length ? policy.frameAncestors.join(' ') : "'none'";
  return [
    "default-src 'none'",
    `script-src 'self'${nonce}`,
    `style-src 'self'${policy.inlineStyles ? " 'unsafe-inline'" : nonce}`,
    `img-src ${["'self'", ...(policy.imageSources ?? [])].join(' ')}`,
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    `frame-ancestors ${framers}`,
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The page's security headers; X-Frame-Options (for browsers without frame-ancestors) only on pages no one may frame. */
export function pageSecurityHeaders(policy: PagePolicy = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(policy),
    ...(policy.frameAncestors?.length ? {} : { 'X-Frame-Options': 'DENY' }),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}
