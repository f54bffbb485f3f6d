import { describeError, type Logger, type TaskMetrics } from '../../../plugins/api/index.js';
import { sleep } from '../../../plugins/cdc/index.js';

export interface HandoffRetryPolicy {
  /** retries after the first attempt (`handoff.retry.attempts`, 3) */
  readonly attempts: number;
  /** wait between attempts (`handoff.retry.interval.ms`, 2 s) */
  readonly intervalMs: number;
}

/**
 * Runs a hand-off (a step that passes work across a boundary after a commit: deleting what is
 * durable from the trigger change table) with the seed's policy, "retried 3 times, 2 s apart":
 * each failed attempt is logged at warn with its number and counted in
 * `oceanbase_handoff_retries_total{handoff}`; the last failure is rethrown with the attempts.
 */
export async function withHandoffRetry<T>(name: string, policy: HandoffRetryPolicy, deps: { logger: Logger; metrics: TaskMetrics; signal?: AbortSignal }, run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= policy.attempts || deps.signal?.aborted) {
        deps.metrics.incCounter('oceanbase_handoff_failures_total', 'Hand-offs that failed after every retry', 1, { handoff: name });
        throw Object.assign(error instanceof Error ? error : new Error(String(error)), { handoffAttempts: attempt + 1 });
      }
      deps.metrics.incCounter('oceanbase_handoff_retries_total', 'Hand-off attempts retried after a failure', 1, { handoff: name });
      deps.logger.warn({ handoff: name, attempt: attempt + 1, of: policy.attempts, retryInMs: policy.intervalMs, err: describeError(error) }, `hand-off ${name} failed; retry ${attempt + 1} of ${policy.attempts} in ${policy.intervalMs} ms`);
      await sleep(policy.intervalMs, deps.signal);
    }
  }
}
