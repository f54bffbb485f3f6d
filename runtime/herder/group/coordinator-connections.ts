import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';
import { GroupRequests } from '../../kafka/group-requests.js';
import type { GroupClient } from './group-client.js';
import type { MembershipTimings } from './membership-timings.js';

export interface CoordinatorConnectionOptions {
  readonly bootstrapBrokers: readonly string[];
  readonly groupId: string;
  readonly clientId: string;
  readonly security?: KafkaConnectionSecurity;
  readonly timings: MembershipTimings;
  /** how long finding and reaching the coordinator may take before a connect fails (the membership retries) */
  readonly connectTimeoutMs?: number;
}

/**
 * WorkerMembership's `connect`: connections to the group's coordinator over GroupRequests, with
 * request timeouts that fit each use. The coordinator answers a JoinGroup only when the rebalance
 * completes, which may take the whole rebalance timeout, so the group connection waits that
 * long and 5 s more (as the Java client does); a heartbeat is answered at once, and the
 * heartbeater gives up on one after two intervals anyway.
 */
export function coordinatorConnections(options: CoordinatorConnectionOptions): (purpose: 'group' | 'heartbeat') => Promise<GroupClient> {
  const { timings } = options;
  return (purpose) => GroupRequests.connect(options.bootstrapBrokers, options.groupId, {
    clientId: `${options.clientId}-${purpose}`,
    requestTimeoutMs: purpose === 'group' ? timings.rebalanceTimeoutMs + 5_000 : timings.sessionTimeoutMs,
    security: options.security,
  }, options.connectTimeoutMs ?? 30_000);
}
