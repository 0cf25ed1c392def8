import { Lru } from '../lib/lru.ts';

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
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
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

/** The IPv4 address carried by two 16-bit groups, as a dotted quad. */
const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * IPv6 is refused by default: only global unicast (2000::/3) may be a target, less its reserved
 * blocks. The forms that carry an IPv4 address are judged by that address, since the host or the
 * network may translate or tunnel them to it.
 */
function isBlockedIpv6(address: string): boolean {
  const g = ipv6Groups(address);
  if (!g) return true;
  const zero = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  if (zero(0, 5) && g[5] === 0xffff) return isBlockedIpv4(ipv4Of(g[6]!, g[7]!)); // IPv4-mapped ::ffff:0:0/96
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return isBlockedIpv4(ipv4Of(g[6]!, g[7]!)); // IPv4-translated ::ffff:0:0:0/96
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return isBlockedIpv4(ipv4Of(g[6]!, g[7]!)); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return isBlockedIpv4(ipv4Of(g[1]!, g[2]!)); // 6to4 2002::/16
  // Outside 2000::/3: ::, ::1, IPv4-compatible ::/96, local-use NAT64 64:ff9b:1::/48, discard 100::/64,
  // unique local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, and the unassigned rest.
  if ((g[0]! & 0xe000) !== 0x2000) return true;
  if (g[0] === 0x2001 && g[1]! < 0x0200) return true; // IETF protocol assignments 2001::/23: Teredo 2001::/32, benchmarking, ORCHID, AMT
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation 2001:db8::/32
  if (g[0] === 0x3fff && g[1]! < 0x1000) return true; // documentation 3fff::/20
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
  // A name's trailing dots (the DNS root) name the same host: `localhost.` is localhost.
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  if (ipFamily(host) !== null) return isBlockedAddress(host) ? `must not target a private, loopback or link-local address${PRIVATE_TARGETS_HINT}` : null;
  if (BLOCKED_NAMES.test(host) || !host.includes('.')) return `must not target a local host name${PRIVATE_TARGETS_HINT}`;
  return null;
}

/** What a developer whose receiver runs on their own machine needs to know. */
const PRIVATE_TARGETS_HINT = ' (for a receiver on this machine or a private network, the operator can set HOOKGATE_ALLOW_PRIVATE_TARGETS=true)';

/** A target URL's verdict (`checkTargetUrl` under one policy): an error message or null. */
export type TargetCheck = (url: string) => string | null;

/** `checkTargetUrl` under `policy`, each URL's verdict remembered (up to 1,000 URLs): it is a pure function, so an attempt need not parse its URL again. */
export function createTargetCheck(policy: TargetPolicy): TargetCheck {
  const verdicts = new Lru<string, string | null>(1000);
  return (url) => {
    let verdict = verdicts.get(url);
    if (verdict === undefined) {
      verdict = checkTargetUrl(url, policy);
      verdicts.set(url, verdict);
    }
    return verdict;
  };
}
