import { setTimeout as sleep } from 'node:timers/promises';
import { TributaryError } from '../../../../plugins/api/index.js';

export interface RetryPolicy {
  /** attempts in total, the first included (at least 3) */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** called before each retry, for the upload-retries metric and the log */
  readonly onRetry?: (error: unknown, attempt: number, what: string) => void;
  /** called when a call that needed retries succeeded (the store is back) */
  readonly onRecovered?: (what: string, attempts: number) => void;
  /** stops retrying when the task is asked to stop */
  readonly signal?: AbortSignal;
}

/**
 * Runs a storage call with exponential backoff and "equal jitter" (half the delay fixed, half
 * random): the random half spreads tasks that failed together, the fixed half guarantees the
 * total wait (about 23 s with the defaults, at least) that rides out a store restart. When every
 * attempt failed the error is a non-retriable `sink.unavailable`: the task fails and, on restart,
 * the records not yet committed are delivered again. Retrying the whole `put` instead would hand
 * records twice to a file already half written, so the budget is spent here, per call.
 */
export async function withRetries<T>(what: string, policy: RetryPolicy, call: () => Promise<T>): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await call();
      if (attempt > 1) policy.onRecovered?.(what, attempt);
      return result;
    } catch (error) {
      if (error instanceof TributaryError) throw error;
      const last = attempt >= policy.attempts;
      if (last || isPermanent(error) || policy.signal?.aborted) {
        const why = last ? `failed after ${attempt} attempts` : isPermanent(error) ? 'failed (not retried: retrying cannot fix it)' : 'stopped while retrying';
        throw new TributaryError('sink.unavailable', `${what} ${why}: ${messageOf(error)}. Check that the store is reachable, the bucket or directory exists and the credentials allow writing; uncommitted records are replayed on restart.`, { cause: error, retriable: false });
      }
      policy.onRetry?.(error, attempt, what);
      const wait = Math.min(delay, policy.maxDelayMs);
      await sleep(wait / 2 + Math.random() * (wait / 2), undefined, { signal: policy.signal }).catch(() => undefined);
      delay *= 2;
    }
  }
}

/** Errors no retry can fix: wrong credentials, missing bucket, a path that is not a directory. */
function isPermanent(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'NoSuchBucket' || e?.name === 'AccessDenied' || e?.name === 'InvalidAccessKeyId' || e?.name === 'SignatureDoesNotMatch') return true;
  if (e?.code === 'ENOTDIR' || e?.code === 'EACCES' || e?.code === 'EROFS' || e?.code === 'EISDIR') return true;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
