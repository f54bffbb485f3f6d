import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { TributaryError } from '../plugins/api/index.js';

export type RestAuth = { type: 'none' } | { type: 'basic'; users: Record<string, string> } | { type: 'bearer'; token: string };

const REALM = 'tributary';

/**
 * Constant-time comparison that also hides the length of the secret: both sides are hashed to the
 * same size first, so neither the position of the first difference nor a length mismatch shows
 * in the timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Splits an `Authorization` header into scheme and credentials; scheme case-insensitive. */
function credentials(header: string | undefined, scheme: string): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  return match && match[1]!.toLowerCase() === scheme.toLowerCase() ? match[2] : undefined;
}

function basicAllowed(header: string | undefined, users: Readonly<Record<string, string>>): boolean {
  const encoded = credentials(header, 'Basic');
  if (encoded === undefined) return false;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // An unknown user still costs one comparison, so timing does not tell which users exist.
  const expected = Object.hasOwn(users, user) ? users[user]! : undefined;
  const match = secretsEqual(password, expected ?? '\u0000unknown-user');
  return expected !== undefined && match;
}

/**
 * Guards every route registered after it. `GET /health` is mounted before it on purpose:
 * orchestrators probe liveness without credentials.
 */
export function createAuthMiddleware(auth: RestAuth | undefined): RequestHandler {
  if (auth === undefined || auth.type === 'none') return (_req, _res, next) => next();
  if (auth.type === 'basic') {
    if (Object.keys(auth.users).length === 0) throw new TributaryError('worker.config_invalid', 'REST basic authentication needs at least one user.');
    const users = { ...auth.users };
    return (req, res, next) => {
      if (basicAllowed(req.headers.authorization, users)) return next();
      res.set('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
      next(new TributaryError('rest.unauthorized', 'Valid credentials are required (HTTP basic authentication).'));
    };
  }
  if (auth.token.length === 0) throw new TributaryError('worker.config_invalid', 'REST bearer authentication needs a non-empty token.');
  const token = auth.token;
  return (req, res, next) => {
    const given = credentials(req.headers.authorization, 'Bearer');
    if (given !== undefined && secretsEqual(given, token)) return next();
    res.set('WWW-Authenticate', given === undefined ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="invalid_token"`);
    next(new TributaryError('rest.unauthorized', 'A valid bearer token is required.'));
  };
}
