import { bytesToBase64Url, bytesToHex } from './encoding.ts';

/** Every identifier and secret comes from the platform CSPRNG. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export const randomHex = (bytes: number): string => bytesToHex(randomBytes(bytes));
export const randomToken = (bytes: number): string => bytesToBase64Url(randomBytes(bytes));

/** `prefix_` followed by 24 hex characters (96 random bits). */
export const prefixedId = (prefix: string): string => `${prefix}_${randomHex(12)}`;

export const uuid = (): string => crypto.randomUUID();
