import { sleep } from './abortable-sleep.js';

/** Retries after the first attempt, and the wait before each (the seed's "3 retries, 2 s apart"). */
export interface FixedIntervalPolicy {
  readonly attempts: number;
  readonly intervalMs: number;
}

export interface FixedIntervalHooks {
  /** a stop: no retry starts, no wait outlasts it (the failure at hand is thrown) */
  readonly signal?: AbortSignal;
  /** whether a failure may pass (default: every one); one that may not is thrown at once */
  retriable?(error: unknown): boolean;
  /** before each wait; `retry` counts from 1 */
  onRetry?(retry: number, error: unknown): void;
  /** after each wait, before the attempt (e.g. abort a transaction) */
  beforeRetry?(error: unknown): Promise<void>;
  /** the last failure once every retry failed too: what to throw instead of it */
  exhausted?(error: unknown, attempts: number): unknown;
}

/**
 * Runs `attempt`, and again after each failure up to `policy.attempts` times, `policy.intervalMs`
 * apart: the one retry loop of the source hand-offs (the runtime's bus hand-off, the OceanBase
 * change-table clean-up), which differ only in what they log, count and throw.
 */
export async function retryAtFixedInterval<T>(policy: FixedIntervalPolicy, attempt: () => Promise<T>, hooks: FixedIntervalHooks = {}): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (hooks.retriable && !hooks.retriable(error)) throw error;
      if (retry >= policy.attempts) throw hooks.exhausted ? hooks.exhausted(error, retry + 1) : error;
      if (hooks.signal?.aborted) throw error;
      hooks.onRetry?.(retry + 1, error);
      await sleep(policy.intervalMs, hooks.signal);
      if (hooks.signal?.aborted) throw error;
      await hooks.beforeRetry?.(error);
    }
  }
}
