import { isRetriable, TributaryError } from '../../plugins/api/index.js';
import { retryAtFixedInterval, type FixedIntervalPolicy } from '../../plugins/cdc/fixed-interval-retry.js';
import { errorNames } from '../kafka/partition-fetcher.js';

/**
 * A source connector's hand-off retry policy (`handoff.retry.attempts`,
 * `handoff.retry.interval.ms`): how often a batch the bus refused for a reason that may pass — a
 * broker unreachable, a request timed out, too few in-sync replicas — is handed over again, and
 * how long apart, before the task fails. 0 attempts (the default of every connector but
 * OceanBase's) is the behaviour without a policy: the first refusal fails the task, and the
 * worker's automatic restarts (`task.restart.*`) replay from the committed offset.
 */
export type HandoffRetryPolicy = FixedIntervalPolicy;

/**
 * The policy of one source task with what it reports to: travels with each batch the task
 * publishes (`PublishedBatch.handoff`), so the bus that sends the batch — possibly later, from a
 * queue shared by the connector's tasks — retries it under that task's policy and reports to that
 * task's logger and metrics.
 */
export interface HandoffRetry {
  readonly policy: HandoffRetryPolicy;
  /** the task is stopping: no retry waits past it */
  readonly signal: AbortSignal;
  /** a retry is about to wait `policy.intervalMs`: `retry` counts from 1 */
  retrying(retry: number, error: unknown): void;
  /** every retry failed too: the task must fail with `error` (a `source.handoff_failed`) */
  gaveUp(error: TributaryError): void;
}

/** Kafka protocol errors that a retry cannot heal even though a client may call them retriable. */
const FATAL = /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|TRANSACTIONAL_ID_AUTHORIZATION_FAILED|TOPIC_AUTHORIZATION_FAILED|CLUSTER_AUTHORIZATION_FAILED|MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_RECORD|INVALID_TXN_STATE|UNSUPPORTED_VERSION|SASL_AUTHENTICATION_FAILED/;

/**
 * Whether a refused hand-off may succeed when tried again: every failure inside it (the Kafka
 * client gathers one per attempt and per broker) is a network error, a timeout or a protocol
 * error the Kafka protocol marks retriable (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER,
 * REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE, CONCURRENT_TRANSACTIONS, ...), or a Tributary
 * error marked retriable. A bus that is closed, a record too large, a fenced producer, a denied
 * authorisation are not.
 */
export function isRetriableHandoffError(error: unknown): boolean {
  if (error instanceof TributaryError) return error.retriable;
  if (FATAL.test(errorNames(error))) return false;
  const leaves: unknown[] = [];
  const walk = (e: unknown, depth: number): void => {
    const inner = (e as { errors?: unknown[] } | null)?.errors;
    if (Array.isArray(inner) && inner.length > 0 && depth < 8) for (const i of inner) walk(i, depth + 1);
    else leaves.push(e);
  };
  walk(error, 0);
  return leaves.length > 0 && leaves.every((e) => {
    if (!e || typeof e !== 'object') return false;
    const { canRetry, code } = e as { canRetry?: unknown; code?: unknown };
    // the client's NetworkError and TimeoutError share this code; its TimeoutError says
    // canRetry=false (the client itself does not resend it), but a later request may get through
    if (code === 'PLT_KFK_NETWORK') return true;
    if (typeof canRetry === 'boolean') return canRetry;
    return isRetriable(e);
  });
}

/** The error a task fails with once its hand-off retries ran out: not retriable (the policy was the retry). */
export function handoffFailed(what: string, attempts: number, error: unknown): TributaryError {
  const reason = error instanceof TributaryError ? error.message : (errorNames(error) || String(error));
  return new TributaryError('source.handoff_failed', `${what} was refused ${attempts + 1} times (handoff.retry.attempts=${attempts}); the last refusal: ${reason}. The task fails; its records after the committed offset are sent again when it restarts.`, { cause: error, retriable: false });
}

/**
 * Runs `attempt` under the policies of the batches it hands over (`retries`: one per task whose
 * records it carries; the first one's policy counts, every task is told). A retriable failure is
 * retried `attempts` times `intervalMs` apart, each retry reported to every task; `prepareRetry`
 * runs before each retry (an exactly-once outlet aborts its transaction there). Without a policy,
 * or with 0 attempts, the first failure is thrown as it is (the behaviour before the policy);
 * once the retries ran out the tasks are told (`gaveUp`) and a `source.handoff_failed` is thrown.
 */
export function withHandoffRetry<T>(retries: readonly HandoffRetry[], what: string, attempt: () => Promise<T>, prepareRetry?: (error: unknown) => Promise<void>): Promise<T> {
  const policy = retries[0]?.policy;
  if (!policy || policy.attempts === 0) return attempt();
  return retryAtFixedInterval(policy, attempt, {
    signal: retries.length === 1 ? retries[0].signal : AbortSignal.any(retries.map((r) => r.signal)),
    retriable: isRetriableHandoffError,
    onRetry: (retry, error) => { for (const r of retries) r.retrying(retry, error); },
    beforeRetry: prepareRetry,
    exhausted: (error) => {
      const failed = handoffFailed(what, policy.attempts, error);
      for (const r of retries) r.gaveUp(failed);
      return failed;
    },
  });
}

/** The distinct policies of some batches, in order (a request gathers batches of several tasks). */
export function handoffRetriesOf(batches: readonly { handoff?: HandoffRetry }[]): HandoffRetry[] {
  const out: HandoffRetry[] = [];
  for (const b of batches) if (b.handoff && !out.includes(b.handoff)) out.push(b.handoff);
  return out;
}
