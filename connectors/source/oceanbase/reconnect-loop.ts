import { describeError, isRetriable, type Logger, type TaskMetrics } from '../../../plugins/api/index.js';
import { sleep } from '../../../plugins/cdc/index.js';

export interface ReconnectOptions {
  readonly what: string;
  readonly initialMs: number;
  /** at most 30 s (the spec's bound): a dropped connection is re-established within 30 s of the server answering again */
  readonly maxMs: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly reportDegraded: (error: unknown) => void;
}

/**
 * Runs `session` until the signal aborts, opening it again after a retriable failure (a dropped
 * connection, an idle stream) with exponential backoff from `initialMs` to `maxMs`. The
 * session calls `healthy()` once it is connected again: the degraded status is cleared and the
 * backoff starts over. A failure that is not retriable ends the loop with that error.
 */
export async function keepConnected(options: ReconnectOptions, session: (healthy: () => void) => Promise<void>): Promise<void> {
  let wait = options.initialMs;
  let degraded = false;
  const healthy = () => {
    wait = options.initialMs;
    if (degraded) {
      degraded = false;
      options.reportDegraded(null);
      options.logger.info({ what: options.what }, `${options.what}: connection re-established`);
    }
  };
  while (!options.signal.aborted) {
    try {
      await session(healthy);
      if (options.signal.aborted) return;
    } catch (error) {
      if (options.signal.aborted) return;
      if (!isRetriable(error)) throw error;
      degraded = true;
      options.reportDegraded(error);
      options.metrics.incCounter('oceanbase_reconnects_total', 'Connections to OceanBase (SQL or Log Proxy) re-opened after a failure', 1, { what: options.what });
      options.logger.warn({ what: options.what, retryInMs: wait, err: describeError(error) }, `${options.what}: connection lost; reconnecting in ${wait} ms`);
      await sleep(wait, options.signal);
      wait = Math.min(wait * 2, options.maxMs);
    }
  }
}
