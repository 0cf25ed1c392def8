/**
 * Which network addresses a webhook may target. Used at configuration time on literal IPs and
 * names, and at delivery time on the address actually connected (see the Node transport).
 */

const IPV4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function ipv4ToInt(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

function inIpv4Block(address: number, [base, bits]: readonly [string, number]): boolean {
  const size = 2 ** (32 - bits);
  const start = ipv4ToInt(base)!;
  return address >= start && address < start + size;
}

function isBlockedIpv4(address: string): boolean {
  const value = ipv4ToInt(address);
  return value === null || IPV4_BLOCKED.some((block) => inIpv4Block(value, block));
}

/** Expands an IPv6 literal (no brackets) into 8 16-bit groups; null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (embedded) {
    const v4 = ipv4ToInt(embedded[1]!);
    if (v4 === null) return null;
    text = `${text.slice(0, -embedded[1]!.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

function isBlockedIpv6(address: string): boolean {
  const g = ipv6Groups(address);
  if (!g) return true;
  const [a, b, c, d, e, f] = g as [number, number, number, number, number, number, number, number];
  if (g.every((group) => group === 0)) return true; // ::
  if (g.slice(0, 7).every((group) => group === 0) && g[7] === 1) return true; // ::1
  const embeddedV4 = () => `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && (f === 0xffff || f === 0)) return isBlockedIpv4(embeddedV4()); // IPv4-mapped / compatible
  if (a === 0x64 && b === 0xff9b) return isBlockedIpv4(embeddedV4()); // NAT64
  if ((a & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true; // link-local
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0x2001 && b === 0x0db8) return true; // documentation
  return false;
}

export type IpFamily = 4 | 6;

export function ipFamily(host: string): IpFamily | null {
  if (ipv4ToInt(host) !== null) return 4;
  if (host.includes(':') && ipv6Groups(host)) return 6;
  return null;
}

/** True when an IP address (v4 or v6, without brackets) must not be a webhook target. */
export function isBlockedAddress(address: string): boolean {
  return ipFamily(address) === 4 ? isBlockedIpv4(address) : isBlockedIpv6(address);
}

const BLOCKED_NAMES = /(^|\.)(localhost|localdomain|internal|local)$/i;

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  requireHttps: boolean;
}

/**
 * Checks a target URL at configuration time. Returns an error message or null.
 * WHATWG URL parsing normalises decimal, hex and octal IPv4 forms (http://2130706433/) to dotted quads.
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a valid absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (policy.requireHttps && url.protocol !== 'https:') return 'must use https in production';
  if (url.username || url.password) return 'must not contain credentials';
  if (policy.allowPrivateTargets) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipFamily(host) !== null) return isBlockedAddress(host) ? 'must not target a private, loopback or link-local address' : null;
  if (BLOCKED_NAMES.test(host) || !host.includes('.')) return 'must not target a local host name';
  return null;
}
