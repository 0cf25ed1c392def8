/**
 * The MAC port: HMAC-SHA256 of `message` (UTF-8) under the key `keyBytes()`, in `encoding`;
 * `cacheKey` names that key, so an implementation may keep what it derives from it. The default is
 * `nobleMac` in `src/delivery/signer.ts` (every runtime; Workers use it); a runtime with a faster
 * native HMAC passes its own (Node and Bun: `createNodeMac` in `src/lib/node-mac.ts`).
 */
export type Mac = (cacheKey: string, keyBytes: () => Uint8Array, message: string, encoding: 'base64' | 'hex') => string;
