import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionKey } from '../storage/config-backing-store.js';

/** Kafka Connect's header names for internal requests signed with the session key. */
export const SIGNATURE_HEADER = 'x-connect-authorization';
export const SIGNATURE_ALGORITHM_HEADER = 'x-connect-request-signature-algorithm';
export const SESSION_KEY_ALGORITHM = 'HmacSHA256';

/** The HMAC of a request body under the session key, base64 (Kafka Connect's InternalRequestSignature). */
export function signBody(key: SessionKey, body: string): string {
  return createHmac('sha256', key.key).update(body, 'utf8').digest('base64');
}

/** Constant-time check of a signature against the current key. */
export function signatureValid(key: SessionKey, body: string, signature: string | undefined, algorithm: string | undefined): boolean {
  if (signature === undefined || (algorithm !== undefined && algorithm !== key.algorithm)) return false;
  const expected = Buffer.from(signBody(key, body), 'base64');
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
