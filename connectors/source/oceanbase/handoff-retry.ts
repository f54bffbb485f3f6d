import { describeError, type Logger, type TaskMetrics } from '../../../plugins/api/index.js';
import { retryAtFixedInterval, type FixedIntervalPolicy } from '../../../plugins/cdc/index.js';

/** `handoff.retry.attempts` (3) and `handoff.retry.interval.ms` (2 s) */
export type HandoffRetryPolicy = FixedIntervalPolicy;

/**
 * Runs a hand-off (a step that passes work across a boundary after a commit: deleting what is
 * durable from the trigger change table) with the seed's policy, "retried 3 times, 2 s apart":
 * each failed attempt is logged at warn with its number and counted in
 * `oceanbase_handoff_retries_total{handoff}`; the last failure is rethrown with the attempts.
 */
export function withHandoffRetry<T>(name: string, policy: HandoffRetryPolicy, deps: { logger: Logger; metrics: TaskMetrics; signal?: AbortSignal }, run: () => Promise<T>): Promise<T> {
  return retryAtFixedInterval(policy, run, {
    signal: deps.signal,
    onRetry: (retry, error) => {
      deps.metrics.incCounter('oceanbase_handoff_retries_total', 'Hand-off attempts retried after a failure', 1, { handoff: name });
      deps.logger.warn({ handoff: name, attempt: retry, of: policy.attempts, retryInMs: policy.intervalMs, err: describeError(error) }, `hand-off ${name} failed; retry ${retry} of ${policy.attempts} in ${policy.intervalMs} ms`);
    },
    exhausted: (error, attempts) => {
      deps.metrics.incCounter('oceanbase_handoff_failures_total', 'Hand-offs that failed after every retry', 1, { handoff: name });
      return Object.assign(error instanceof Error ? error : new Error(String(error)), { handoffAttempts: attempts });
    },
  });
}
