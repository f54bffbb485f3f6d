import { TributaryError } from '../../plugins/api/index.js';

/**
 * A request this worker cannot answer but another worker of its group can: the leader (config
 * writes) or the worker running a task (its restart). The REST layer forwards the request to
 * `targetUrl` once (Kafka Connect's `?forward=`); a request that was forwarded already is
 * answered as the group rebalancing (503), since the two workers disagree on who does what.
 */
export class RequestTargetError extends TributaryError {
  readonly targetUrl: string;

  constructor(message: string, targetUrl: string) {
    super('connector.rebalancing', message);
    this.targetUrl = targetUrl;
  }
}

export function isRequestTarget(error: unknown): error is RequestTargetError {
  return error instanceof RequestTargetError;
}

/** No assignment is in force (joining, rebalancing, fenced): the REST layer waits and retries, then answers 503. */
export function rebalancing(what: string): TributaryError {
  return new TributaryError('connector.rebalancing', `The worker group is rebalancing; ${what} once it has settled.`);
}
