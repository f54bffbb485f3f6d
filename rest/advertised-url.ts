import type { Request } from 'express';

/** Kafka Connect's `rest.advertised.*` worker settings: the address clients are told to call. */
export interface AdvertisedAddress {
  /** `rest.advertised.listener`: the scheme clients use (https behind a TLS-terminating proxy) */
  protocol?: 'http' | 'https';
  /** `rest.advertised.host.name` */
  host?: string;
  /** `rest.advertised.port` */
  port?: number;
}

// RFC 3986 host (IP literal or reg-name) and optional port: anything else in a Host header is
// not echoed into a Location.
const AUTHORITY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::(\d{1,5}))?$/;

/**
 * The absolute URL of `path` (already percent-encoded) on this worker, for a `Location` header:
 * Kafka Connect answers with `http://host:port/connectors/<name>`, built from the request. Each
 * part comes from the advertised settings when set, else from the request: its protocol, its Host
 * header (or, without a usable one, the address the request reached). With an advertised host
 * but no advertised port, the port is the one of the listener that took the request.
 */
export function absoluteUrl(req: Request, path: string, advertised: AdvertisedAddress = {}): string {
  const requested = requestedAuthority(req);
  const protocol = advertised.protocol ?? (req.protocol === 'https' ? 'https' : 'http');
  const host = advertised.host !== undefined ? bracketed(advertised.host) : requested.host;
  const port = advertised.port ?? (advertised.host !== undefined ? req.socket.localPort : requested.port);
  return `${protocol}://${host}${port !== undefined ? `:${port}` : ''}${path}`;
}

function requestedAuthority(req: Request): { host: string; port: number | undefined } {
  const match = AUTHORITY.exec(req.headers.host ?? '');
  if (match) return { host: match[1]!, port: match[2] === undefined ? undefined : Number(match[2]) };
  return { host: bracketed(req.socket.localAddress ?? 'localhost'), port: req.socket.localPort };
}

/** IPv6 literals go in brackets in a URL. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
