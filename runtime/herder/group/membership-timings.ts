import { z } from 'zod';
import { TributaryError } from '../../../plugins/api/index.js';

/**
 * The timings of a worker's group membership, with Kafka Connect's names in the comments and
 * Tributary's defaults. Checked together, since they only make sense relative to each other.
 */
export interface MembershipTimings {
  /** session.timeout.ms: the coordinator drops a member it has not heard from for this long */
  readonly sessionTimeoutMs: number;
  /** heartbeat.interval.ms */
  readonly heartbeatIntervalMs: number;
  /** rebalance.timeout.ms: how long members may take to rejoin once a rebalance starts */
  readonly rebalanceTimeoutMs: number;
  /**
   * scheduled.rebalance.max.delay.ms: how long a departed worker's work waits for it to come
   * back before the others get it (Kafka Connect: 5 minutes; here 10 s)
   */
  readonly scheduledRebalanceMaxDelayMs: number;
  /**
   * A member that has not had a heartbeat answered for (session timeout − this) stops its work
   * before the coordinator can drop it (self-fencing). Default: a fifth of the session timeout.
   */
  readonly fencingMarginMs: number;
  /** worker.sync.timeout.ms: how long a member behind the leader's config offset waits to catch up */
  readonly configSyncTimeoutMs: number;
  /** the first wait before retrying a failed join; doubles up to 2 s */
  readonly retryBackoffMs: number;
}

export const DEFAULT_SCHEDULED_REBALANCE_MAX_DELAY_MS = 10_000;

const ms = z.number().int().positive();
const schema = z.object({
  sessionTimeoutMs: ms.default(10_000),
  heartbeatIntervalMs: ms.default(3_000),
  rebalanceTimeoutMs: ms.default(60_000),
  scheduledRebalanceMaxDelayMs: ms.optional(),
  fencingMarginMs: ms.optional(),
  configSyncTimeoutMs: ms.default(3_000),
  retryBackoffMs: ms.default(100),
}).transform((t, context) => {
  const scheduledRebalanceMaxDelayMs = t.scheduledRebalanceMaxDelayMs ?? Math.max(DEFAULT_SCHEDULED_REBALANCE_MAX_DELAY_MS, t.sessionTimeoutMs + t.heartbeatIntervalMs);
  const fencingMarginMs = t.fencingMarginMs ?? Math.floor(t.sessionTimeoutMs / 5);
  const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
  if (t.heartbeatIntervalMs >= t.sessionTimeoutMs) problem('heartbeatIntervalMs', 'heartbeat.interval.ms must be lower than session.timeout.ms (a third of it is usual)');
  // A worker that restarts is gone for at least about a session timeout before the group can
  // have it back; a shorter delay would hand out work that is about to return.
  if (scheduledRebalanceMaxDelayMs <= t.sessionTimeoutMs) problem('scheduledRebalanceMaxDelayMs', `scheduled.rebalance.max.delay.ms (${scheduledRebalanceMaxDelayMs}) must be longer than session.timeout.ms (${t.sessionTimeoutMs})`);
  // at least one heartbeat must fit between the last answered one and the fencing deadline
  if (fencingMarginMs >= t.sessionTimeoutMs - t.heartbeatIntervalMs) problem('fencingMarginMs', `the self-fencing margin (${fencingMarginMs} ms) must leave room for a heartbeat within session.timeout.ms − heartbeat.interval.ms (${t.sessionTimeoutMs - t.heartbeatIntervalMs} ms)`);
  return { ...t, scheduledRebalanceMaxDelayMs, fencingMarginMs };
});

/** Defaults filled in; contradictory timings are a `worker.config_invalid` error listing each problem. */
export function membershipTimings(input: Partial<MembershipTimings> = {}): MembershipTimings {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.code === 'custom' ? i.message : `${i.path.join('.')}: ${i.message}`));
  throw new TributaryError('worker.config_invalid', `Invalid worker-group timings: ${problems.join('; ')}`, { details: problems });
}
