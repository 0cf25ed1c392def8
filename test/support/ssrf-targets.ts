/** One or more addresses of every range a webhook may not reach, each with the name fake-dns.ts resolves to it. */
export interface ReservedAddress {
  range: string;
  address: string;
  /** Looks public to the configuration-time check; the SSRF suite's resolver answers `address` for it. */
  name: string;
}

const reserved = (range: string, slug: string, address: string): ReservedAddress => ({ range, address, name: `${slug}.rebind.test` });

export const RESERVED_ADDRESSES: readonly ReservedAddress[] = [
  reserved('"this" network 0.0.0.0/8', 'this-network', '0.1.2.3'),
  reserved('private 10.0.0.0/8', 'private-10', '10.1.2.3'),
  reserved('CGNAT 100.64.0.0/10', 'cgnat', '100.127.255.254'),
  reserved('loopback 127.0.0.0/8', 'loopback-v4', '127.0.0.2'),
  reserved('link-local 169.254.0.0/16', 'metadata', '169.254.169.254'),
  reserved('private 172.16.0.0/12', 'private-172', '172.31.0.1'),
  reserved('IETF protocol assignments 192.0.0.0/24', 'ietf-v4', '192.0.0.170'),
  reserved('TEST-NET-1 192.0.2.0/24', 'test-net-1', '192.0.2.1'),
  reserved('6to4 relay anycast 192.88.99.0/24', 'relay-6to4', '192.88.99.1'),
  reserved('private 192.168.0.0/16', 'private-192', '192.168.0.1'),
  reserved('benchmarking 198.18.0.0/15', 'benchmarking-v4', '198.19.255.1'),
  reserved('TEST-NET-2 198.51.100.0/24', 'test-net-2', '198.51.100.1'),
  reserved('TEST-NET-3 203.0.113.0/24', 'test-net-3', '203.0.113.1'),
  reserved('multicast 224.0.0.0/4', 'multicast-v4', '224.0.0.251'),
  reserved('reserved 240.0.0.0/4', 'reserved-v4', '240.0.0.1'),
  reserved('broadcast 255.255.255.255', 'broadcast', '255.255.255.255'),
  reserved('unspecified ::', 'unspecified-v6', '::'),
  reserved('loopback ::1', 'loopback-v6', '::1'),
  reserved('IPv4-compatible ::/96 (deprecated)', 'compatible', '::808:808'),
  reserved('IPv4-mapped ::ffff:0:0/96, loopback inside', 'mapped-loopback', '::ffff:127.0.0.1'),
  reserved('IPv4-mapped ::ffff:0:0/96, link-local inside', 'mapped-metadata', '::ffff:a9fe:a9fe'),
  reserved('IPv4-translated ::ffff:0:0:0/96, loopback inside', 'translated-loopback', '::ffff:0:127.0.0.1'),
  reserved('IPv4-translated ::ffff:0:0:0/96, private inside', 'translated-private', '::ffff:0:a00:1'),
  reserved('6to4 2002::/16, loopback inside', 'sixtofour-loopback', '2002:7f00:1::'),
  reserved('6to4 2002::/16, private inside', 'sixtofour-private', '2002:c0a8:101::1'),
  reserved('NAT64 64:ff9b::/96, loopback inside', 'nat64-loopback', '64:ff9b::7f00:1'),
  reserved('NAT64 64:ff9b::/96, link-local inside', 'nat64-metadata', '64:ff9b::169.254.169.254'),
  reserved('local-use NAT64 64:ff9b:1::/48', 'nat64-local', '64:ff9b:1::808:808'),
  reserved('discard-only 100::/64', 'discard', '100::1'),
  reserved('Teredo 2001::/32', 'teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'),
  reserved('Teredo 2001::/32, loopback server', 'teredo-loopback', '2001:0:7f00:1::1'),
  reserved('benchmarking 2001:2::/48', 'benchmarking-v6', '2001:2::1'),
  reserved('documentation 2001:db8::/32', 'documentation', '2001:db8::1'),
  reserved('documentation 3fff::/20', 'documentation-3fff', '3fff::1'),
  reserved('unique local fc00::/7', 'unique-local', 'fd00::1'),
  reserved('link-local fe80::/10', 'link-local-v6', 'fe80::1'),
  reserved('site-local fec0::/10 (deprecated)', 'site-local', 'fec0::1'),
  reserved('site-local fec0::/10, last block', 'site-local-last', 'feff::1'),
  reserved('multicast ff00::/8', 'multicast-v6', 'ff02::1'),
];

/** Public addresses, some inside the forms that carry an IPv4 address: a target may be any of them. */
export const PUBLIC_ADDRESSES: readonly string[] = [
  '8.8.8.8',
  '1.1.1.1',
  '172.32.0.1',
  '2606:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '::ffff:0:8.8.8.8',
  '64:ff9b::8.8.8.8',
  '2002:808:808::1',
];

/** A target URL with `address` as its host. */
export const urlOf = (address: string) => (address.includes(':') ? `http://[${address}]/` : `http://${address}/`);

/** The delivery-engine issue's matrix: every spelling of a private, loopback, link-local or local target. */
const SPELLINGS = [
  'http://127.0.0.1/',
  'http://localhost/',
  'http://api.localhost/',
  'http://[::1]/',
  'http://0.0.0.0/',
  'http://10.1.2.3/',
  'http://172.16.0.1/',
  'http://172.31.255.255/',
  'http://192.168.1.1/',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1/',
  'http://2130706433/',
  'http://0x7f000001/',
  'http://017700000001/',
  'http://127.1/',
  'http://127.0.0.1./',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://[::ffff:0:127.0.0.1]/',
  'http://[2002:7f00:1::]/',
  'http://[fec0::1]/',
  'http://[fd00::1]/',
  'http://[fe80::1]/',
  'http://224.0.0.1/',
  'http://localhost./',
  'http://localhost../',
  'http://api.localhost./',
  'http://metadata.google.internal/',
  'http://metadata.google.internal./',
  'http://intranet/',
  'http://intranet./',
  'file:///etc/passwd',
  'gopher://example.com/',
  'http://user:pass@example.com/',
];

/** Every URL a target field must refuse: the spellings above, and one URL per reserved address. */
export const REFUSED_TARGETS: readonly string[] = [...new Set([...SPELLINGS, ...RESERVED_ADDRESSES.map(({ address }) => urlOf(address))])];
