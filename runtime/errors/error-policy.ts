import { backOff } from 'exponential-backoff';
import { isRetriable, TributaryError, type ConnectRecord, type Logger } from '../../plugins/api/index.js';
import type { Counter } from 'prom-client';

export interface ErrorPolicyConfig {
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  tolerance: 'none' | 'all';
  logEnable: boolean;
  logIncludeMessages: boolean;
}

/**
 * Kafka Connect's RetryWithToleranceOperator: retriable failures are retried with exponential
 * backoff and full jitter within `errors.retry.timeout`; a record that still fails is tolerated
 * (`errors.tolerance=all`: logged if asked, dead-lettered by the caller) or fails the task.
 */
export class ErrorPolicy {
  readonly #config: ErrorPolicyConfig;
  readonly #logger: Logger;
  readonly #retries: Counter;
  readonly #recordErrors: Counter;
  readonly #labels: { connector: string; task: string };

  constructor(config: ErrorPolicyConfig, logger: Logger, metrics: { retries: Counter; recordErrors: Counter }, labels: { connector: string; task: string }) {
    this.#config = config;
    this.#logger = logger;
    this.#retries = metrics.retries;
    this.#recordErrors = metrics.recordErrors;
    this.#labels = labels;
  }

  get tolerateAll(): boolean {
    return this.#config.tolerance === 'all';
  }

  /** Runs `operation`, retrying retriable errors until `errors.retry.timeout` (-1: forever) passes. */
  async retry<T>(stage: string, operation: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const started = Date.now();
    const timeout = this.#config.retryTimeoutMs;
    return backOff(operation, {
      startingDelay: 100,
      timeMultiple: 2,
      maxDelay: this.#config.retryDelayMaxMs,
      jitter: 'full',
      numOfAttempts: Number.MAX_SAFE_INTEGER,
      delayFirstAttempt: false,
      retry: (error: unknown, attempt: number) => {
        const elapsed = Date.now() - started;
        const again = isRetriable(error) && !signal.aborted && (timeout < 0 || elapsed < timeout);
        if (again) {
          this.#retries.inc(this.#labels);
          this.#logger.warn({ stage, attempt, err: error }, 'retriable failure; retrying');
        }
        return again;
      },
    });
  }

  /**
   * Applies the tolerance to a failed record: resolves when it is tolerated (the caller then
   * dead-letters it), throws a task-failing error otherwise.
   */
  recordFailed(stage: string, record: ConnectRecord & { position?: string; partition?: number; offset?: number }, error: unknown): void {
    this.#recordErrors.inc(this.#labels);
    const where = { stage, topic: record.topic, partition: record.partition, offset: record.offset, position: record.position };
    if (this.#config.tolerance === 'none') {
      const at = record.offset !== undefined ? `partition ${record.partition ?? 0} offset ${record.offset} (position ${record.position ?? '?'})` : `position ${record.position ?? '?'}`;
      throw new TributaryError('errors.tolerance_exceeded', `Tolerance exceeded in error handler: ${stage} failed for a record of topic ${record.topic} at ${at}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    if (this.#config.logEnable) {
      this.#logger.error({ ...where, ...(this.#config.logIncludeMessages ? { key: safe(record.key) } : {}), err: error }, 'record failed and was skipped (errors.tolerance=all)');
    }
  }
}

function safe(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  } catch {
    return String(value);
  }
}
