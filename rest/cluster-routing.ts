import type { Request, RequestHandler, Response } from 'express';
import { TributaryError } from '../plugins/api/index.js';
import { isRequestTarget } from '../runtime/herder/request-target.js';
import { absoluteUrl, type AdvertisedAddress } from './advertised-url.js';

/**
 * How a worker of a group answers requests meant for another (Kafka Connect's
 * HerderRequestHandler). A herder call that throws RequestTargetError (a write on a follower, a
 * task restart on a worker not running the task) is forwarded once to the named worker with
 * `?forward=false`, and that worker's answer is relayed as it is. A call that finds the group
 * rebalancing (`connector.rebalancing`), or a target that cannot be reached, is tried again with
 * backoff until `requestTimeoutMs` has passed; then the answer is 503 with `Retry-After`. A
 * forwarded request is never forwarded again nor retried: its first worker does the retrying,
 * with fresh knowledge of who leads.
 */
export interface ClusterRouting {
  /** how long a request may wait for a rebalance to end or a forwarded request to be answered */
  readonly requestTimeoutMs: number;
  /** the Retry-After of a 503, in seconds */
  readonly retryAfterSeconds: number;
  /** after a forwarded request succeeded: read what the other worker wrote, so a read here sees it */
  readonly afterForward?: () => Promise<void>;
  /** the address put in a relayed `Location` (rest.advertised.*) */
  readonly advertised?: AdvertisedAddress;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1_000;
/** headers of the other worker's answer that are passed on */
const RELAYED = ['content-type', 'retry-after', 'allow', 'www-authenticate'];

/** The routing of a request, or undefined outside a worker group (standalone). */
function routingOf(req: Request): ClusterRouting | undefined {
  return req.app.locals.cluster as ClusterRouting | undefined;
}

function forwardedHop(req: Request): boolean {
  return req.query.forward === 'false';
}

function isRebalancing(error: unknown): error is TributaryError {
  return error instanceof TributaryError && error.code === 'connector.rebalancing';
}

/** A handler that forwards, waits and retries as ClusterRouting says; unchanged outside a group. */
export function clusterAware(handler: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    const routing = routingOf(req);
    if (!routing || forwardedHop(req)) return handler(req, res, next);
    const deadline = Date.now() + routing.requestTimeoutMs;
    let backoffMs = FIRST_BACKOFF_MS;
    for (;;) {
      let last: unknown;
      try {
        await handler(req, res, next);
        return;
      } catch (error) {
        if (res.headersSent || !isRebalancing(error)) throw error;
        last = error;
      }
      if (isRequestTarget(last)) {
        const relayed = await forward(req, res, routing, last.targetUrl, deadline - Date.now()).catch((error: unknown) => error);
        if (relayed === true) return;
        last = relayed instanceof TributaryError ? relayed : new TributaryError('connector.rebalancing', `The worker at ${last.targetUrl} could not be reached (${(relayed as Error).message}); the worker group is probably rebalancing.`, { cause: relayed });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw last;
      await new Promise((r) => setTimeout(r, Math.min(backoffMs, remaining)));
      backoffMs = Math.min(2 * backoffMs, MAX_BACKOFF_MS);
    }
  };
}

/**
 * Sends the request to `targetUrl` with `forward=false` and relays the answer; true once relayed.
 * The other worker finding the group rebalancing comes back as that error, to be retried here.
 */
async function forward(req: Request, res: Response, routing: ClusterRouting, targetUrl: string, timeoutMs: number): Promise<true> {
  const url = new URL(req.originalUrl, targetUrl);
  url.searchParams.set('forward', 'false');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const answer = await fetch(url, { method: req.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(Math.max(1, timeoutMs)) });
  const text = await answer.text();
  if (answer.status === 503 && rebalancingBody(text)) throw new TributaryError('connector.rebalancing', messageOf(text) ?? `The worker at ${targetUrl} is rebalancing.`);
  if (answer.ok) await routing.afterForward?.().catch(() => undefined);
  for (const name of RELAYED) {
    const value = answer.headers.get(name);
    if (value !== null) res.set(name, value);
  }
  const location = answer.headers.get('location');
  // the client called this worker: the new resource's URL is on it, as if it had answered itself
  if (location !== null) {
    const moved = new URL(location, targetUrl);
    res.set('Location', absoluteUrl(req, `${moved.pathname}${moved.search}`, routing.advertised));
  }
  res.status(answer.status);
  if (text === '') res.end();
  else res.send(text);
  return true;
}

function rebalancingBody(text: string): boolean {
  try {
    return (JSON.parse(text) as { code?: unknown }).code === 'connector.rebalancing';
  } catch {
    return false;
  }
}

function messageOf(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
