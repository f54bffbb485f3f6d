import {
  Connection, ConnectionStatuses, describeGroupsV5, NetworkError, FindCoordinatorKeyTypes, findCoordinatorV6, heartbeatV4, joinGroupV9, leaveGroupV5, protocolErrorsCodesById, ResponseError, syncGroupV5,
} from '@platformatic/kafka';
import type { KafkaConnectionSecurity } from '../config/kafka-security.js';

/**
 * Kafka's classic group protocol as raw requests to the group coordinator, for a group that is
 * not a consumer group: Kafka Connect's worker group (protocol type `connect`, a protocol name of
 * our own, metadata and assignments as bytes we define). @platformatic/kafka's Consumer keeps its
 * group to protocol type `consumer`; its request APIs (JoinGroup v9, SyncGroup v5, Heartbeat v4,
 * LeaveGroup v5, FindCoordinator v6) are public and take a Connection, which is what this uses.
 *
 * The coordinator's answers that drive a member's state machine (MEMBER_ID_REQUIRED,
 * REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, INCONSISTENT_GROUP_PROTOCOL, …)
 * come back as values with the error's name; only transport failures throw.
 */
export type GroupError = string;

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinRequest {
  /** '' on the first join; the coordinator then answers MEMBER_ID_REQUIRED with the id to use */
  readonly memberId: string;
  readonly groupInstanceId?: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
  readonly reason?: string;
}

export interface JoinedGroup {
  readonly error: null;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  /**
   * KIP-814: a static leader that rejoined a stable group without changing its metadata is told
   * who the members are but must not assign again (it sends an empty SyncGroup and gets back the
   * assignment it had).
   */
  readonly skipAssignment: boolean;
  /** every member's metadata; empty unless this member is the leader */
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null; readonly metadata: Buffer }[];
}

export type JoinResult = JoinedGroup | { readonly error: GroupError; readonly memberId: string };

export interface SyncRequest {
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId?: string | null;
  readonly protocolType: string;
  readonly protocolName: string;
  /** the leader's assignment per member; followers send none */
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

export type SyncResult = { readonly error: null; readonly assignment: Buffer } | { readonly error: GroupError };

export interface GroupDescription {
  readonly state: string;
  readonly protocolType: string;
  readonly protocolName: string;
  readonly members: readonly { readonly memberId: string; readonly clientId: string; readonly metadata: Buffer; readonly assignment: Buffer }[];
}

export interface GroupRequestsOptions {
  readonly clientId: string;
  /** must exceed the rebalance timeout: a JoinGroup is answered only when the rebalance completes */
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** TLS and SASL of the connections (runtime/config/kafka-security.ts) */
  readonly security?: KafkaConnectionSecurity;
}

export function protocolError(error: unknown): GroupError | undefined {
  if (!(error instanceof ResponseError)) return undefined;
  const code = (error.response as { errorCode?: number } | undefined)?.errorCode;
  return code === undefined ? undefined : protocolErrorsCodesById[code] ?? `ERROR_${code}`;
}

function brokerAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/**
 * A raw Connection of our own. Outside the library's connection pool nobody listens for its
 * 'error' event, and an EventEmitter's unheard 'error' is thrown: a broker that resets the
 * socket (killed, restarted) would end the whole worker process. A socket error is always
 * followed by 'close', which fails the requests in flight; a request sent later fails at once
 * (`ensureOpen`), so the caller sees a transport failure and connects again.
 */
function rawConnection(clientId: string, options: ConstructorParameters<typeof Connection>[1]): Connection {
  const connection = new Connection(clientId, options);
  connection.on('error', () => undefined);
  return connection;
}

/** Throws a NetworkError when the connection has closed (the broker went away). */
export function ensureOpen(connection: Connection): Connection {
  if (connection.status === ConnectionStatuses.CLOSED || connection.status === ConnectionStatuses.ERROR) {
    throw new NetworkError(`Connection to ${connection.host}:${connection.port} lost`);
  }
  return connection;
}

/**
 * Finds a group's coordinator through the bootstrap brokers and connects to it, retrying until
 * the coordinator answers for the group (right after a cluster starts, or after the coordinator
 * moved, a broker answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS for a while).
 */
export async function connectToCoordinator(bootstrapBrokers: readonly string[], groupId: string, options: GroupRequestsOptions, timeoutMs = 30_000): Promise<Connection> {
  const connectionOptions = { requestTimeout: options.requestTimeoutMs ?? 60_000, connectTimeout: options.connectTimeoutMs ?? 5_000, ...options.security };
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    for (const address of bootstrapBrokers) {
      const bootstrap = rawConnection(options.clientId, connectionOptions);
      try {
        const { host, port } = brokerAddress(address);
        await bootstrap.connect(host, port);
        const found = await findCoordinatorV6.api.async(bootstrap, FindCoordinatorKeyTypes.GROUP, [groupId]);
        const coordinator = found.coordinators[0];
        const connection = rawConnection(options.clientId, connectionOptions);
        await connection.connect(coordinator.host, coordinator.port);
        try {
          await describeGroupsV5.api.async(connection, [groupId], false);
        } catch (error) {
          await connection.close().catch(() => undefined);
          throw error;
        }
        return connection;
      } catch (error) {
        last = error;
      } finally {
        await bootstrap.close().catch(() => undefined);
      }
    }
    if (Date.now() > deadline) throw new Error(`no coordinator for group ${groupId} within ${timeoutMs} ms: ${(last as Error)?.message}`, { cause: last });
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Requests to one group's coordinator over one connection. */
export class GroupRequests {
  readonly groupId: string;
  readonly #connection: Connection;

  private constructor(groupId: string, connection: Connection) {
    this.groupId = groupId;
    this.#connection = connection;
  }

  /**
   * Connects to the group's coordinator (connectToCoordinator). A coordinator that moves later
   * shows as NOT_COORDINATOR from `join`/`heartbeat`: the caller connects again.
   */
  static async connect(bootstrapBrokers: readonly string[], groupId: string, options: GroupRequestsOptions, timeoutMs = 30_000): Promise<GroupRequests> {
    return new GroupRequests(groupId, await connectToCoordinator(bootstrapBrokers, groupId, options, timeoutMs));
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    try {
      const response = await joinGroupV9.api.async(ensureOpen(this.#connection), this.groupId, request.sessionTimeoutMs, request.rebalanceTimeoutMs, request.memberId,
        request.groupInstanceId ?? null, request.protocolType, request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })), request.reason ?? null);
      return {
        error: null,
        generationId: response.generationId,
        protocolName: response.protocolName ?? '',
        leader: response.leader,
        memberId: response.memberId ?? request.memberId,
        skipAssignment: response.skipAssignment,
        members: response.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, metadata: m.metadata ?? Buffer.alloc(0) })),
      };
    } catch (error) {
      const name = protocolError(error);
      if (name === undefined) throw error;
      const memberId = ((error as ResponseError).response as { memberId?: string | null }).memberId ?? request.memberId;
      return { error: name, memberId };
    }
  }

  async sync(request: SyncRequest): Promise<SyncResult> {
    try {
      const response = await syncGroupV5.api.async(ensureOpen(this.#connection), this.groupId, request.generationId, request.memberId, request.groupInstanceId ?? null,
        request.protocolType, request.protocolName, request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })));
      return { error: null, assignment: response.assignment };
    } catch (error) {
      const name = protocolError(error);
      if (name === undefined) throw error;
      return { error: name };
    }
  }

  /** null when the member is in good standing; REBALANCE_IN_PROGRESS when it must rejoin */
  async heartbeat(generationId: number, memberId: string, groupInstanceId: string | null = null): Promise<GroupError | null> {
    try {
      await heartbeatV4.api.async(ensureOpen(this.#connection), this.groupId, generationId, memberId, groupInstanceId);
      return null;
    } catch (error) {
      const name = protocolError(error);
      if (name === undefined) throw error;
      return name;
    }
  }

  async leave(memberId: string, groupInstanceId: string | null = null, reason = 'leaving'): Promise<GroupError | null> {
    try {
      await leaveGroupV5.api.async(ensureOpen(this.#connection), this.groupId, [{ memberId, groupInstanceId, reason }]);
      return null;
    } catch (error) {
      const name = protocolError(error);
      if (name === undefined) throw error;
      return name;
    }
  }

  /**
   * DescribeGroups with the members' bytes as they are. (The library's Admin.describeGroups
   * decodes every member as a consumer-protocol subscription and throws, uncaught, on a connect
   * group's metadata.)
   */
  async describe(): Promise<GroupDescription> {
    const response = await describeGroupsV5.api.async(ensureOpen(this.#connection), [this.groupId], false);
    const group = response.groups[0];
    return {
      state: group.groupState,
      protocolType: group.protocolType,
      protocolName: group.protocolData,
      members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, metadata: m.memberMetadata, assignment: m.memberAssignment })),
    };
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }
}
