import type { Logger } from '../../../plugins/api/index.js';
import type { GroupError } from '../../kafka/group-requests.js';
import type { GroupClient } from './group-client.js';

/** The member and generation heartbeats are sent for. */
export interface HeartbeatTarget {
  readonly generation: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface HeartbeatEvents {
  /** the coordinator answered REBALANCE_IN_PROGRESS: the member must rejoin */
  rebalance(): void;
  /** the coordinator no longer counts the member in `target`'s generation */
  outOfGroup(error: GroupError, target: HeartbeatTarget): void;
  /** no heartbeat was answered for session timeout − fencing margin: stop all work now */
  fenceDue(silentForMs: number): void;
}

export interface HeartbeaterOptions {
  /** a connection of its own: a JoinGroup waiting on the group connection must not hold heartbeats up */
  readonly connect: () => Promise<GroupClient>;
  readonly intervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly fencingMarginMs: number;
  readonly events: HeartbeatEvents;
  readonly logger: Logger;
  readonly now: () => number;
}

const OUT_OF_GROUP = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']);

/**
 * Heartbeats on a timer of its own, so they go on while the worker starts and stops tasks and
 * while the member waits in a JoinGroup (the coordinator answers REBALANCE_IN_PROGRESS, which
 * still proves the member is known). Also the self-fencing watchdog: the coordinator drops a
 * member a session timeout after the last heartbeat it received, so once no heartbeat *sent*
 * has been answered for session timeout − margin, `fenceDue` fires — before any other member can
 * have been given the work. The watchdog ticks on its own, so a heartbeat that never comes back
 * (a network partition) cannot hold it up; such a heartbeat is abandoned after two intervals and
 * the connection opened again.
 */
export class Heartbeater {
  readonly #options: HeartbeaterOptions;
  #target: HeartbeatTarget | undefined;
  /** when the last answered heartbeat (or SyncGroup) was sent */
  #lastProofAt = 0;
  #armed = false;
  #client: Promise<GroupClient> | undefined;
  #inFlightSince: number | undefined;
  #lastSentAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: HeartbeaterOptions) {
    this.#options = options;
  }

  /** Heartbeats from now on are for `target`; undefined stops them (the member is out of any generation). */
  target(target: HeartbeatTarget | undefined): void {
    this.#target = target;
    if (target && !this.#timer && !this.#stopped) this.#schedule();
  }

  /**
   * The coordinator heard from the member at `sentAt` or later (an answered SyncGroup): the
   * session runs from there. Also arms the watchdog, which fires once per silence.
   */
  alive(sentAt: number): void {
    this.#lastProofAt = Math.max(this.#lastProofAt, sentAt);
    this.#armed = true;
  }

  /**
   * The watchdog would fire now: no heartbeat answered for session timeout − margin. Asked
   * synchronously before a write, so a process that was frozen (SIGSTOP, a long GC pause) writes
   * nothing stale in the moment between waking up and its watchdog's next tick.
   */
  overdue(): boolean {
    return this.#armed && this.#options.now() - this.#lastProofAt > this.#options.sessionTimeoutMs - this.#options.fencingMarginMs;
  }

  /** the member holds no work: nothing to fence */
  disarm(): void {
    this.#armed = false;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#target = undefined;
    await this.#dropClient();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
      if (this.#target && !this.#stopped) this.#schedule();
    }, Math.min(this.#options.intervalMs, this.#options.fencingMarginMs));
  }

  #tick(): void {
    const { now, sessionTimeoutMs, fencingMarginMs, intervalMs } = this.#options;
    const silentFor = now() - this.#lastProofAt;
    if (this.#armed && silentFor > sessionTimeoutMs - fencingMarginMs) {
      this.#armed = false;
      this.#options.events.fenceDue(silentFor);
    }
    if (this.#inFlightSince !== undefined) {
      if (now() - this.#inFlightSince > 2 * intervalMs) {
        this.#options.logger.warn({ waitedMs: now() - this.#inFlightSince }, 'a heartbeat was not answered: opening the coordinator connection again');
        this.#inFlightSince = undefined;
        void this.#dropClient();
      }
      return;
    }
    if (this.#target && now() - this.#lastSentAt >= intervalMs) void this.#beat(this.#target);
  }

  async #beat(target: HeartbeatTarget): Promise<void> {
    const sentAt = this.#options.now();
    this.#lastSentAt = sentAt;
    this.#inFlightSince = sentAt;
    const client = this.#connection();
    let error: GroupError | null;
    try {
      error = await (await client).heartbeat(target.generation, target.memberId, target.groupInstanceId);
    } catch (failure) {
      if (this.#inFlightSince === sentAt) this.#inFlightSince = undefined;
      this.#options.logger.debug({ err: failure }, 'heartbeat failed; the connection is opened again');
      if (this.#client === client) await this.#dropClient();
      return;
    }
    // abandoned meanwhile (see #tick), or the target changed: the answer is about the past
    if (this.#inFlightSince !== sentAt) return;
    this.#inFlightSince = undefined;
    if (this.#target !== target) return;
    if (error === null || error === 'REBALANCE_IN_PROGRESS') this.#lastProofAt = Math.max(this.#lastProofAt, sentAt);
    if (error === 'REBALANCE_IN_PROGRESS') this.#options.events.rebalance();
    else if (error !== null && OUT_OF_GROUP.has(error)) this.#options.events.outOfGroup(error, target);
    else if (error !== null && COORDINATOR_MOVED.has(error)) await this.#dropClient();
    else if (error !== null) this.#options.logger.warn({ error }, 'heartbeat refused');
  }

  #connection(): Promise<GroupClient> {
    if (!this.#client) {
      const client = this.#options.connect();
      // a failed connect is retried on the next beat
      client.catch(() => { if (this.#client === client) this.#client = undefined; });
      this.#client = client;
    }
    return this.#client;
  }

  async #dropClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.then((c) => c.close()).catch(() => undefined);
  }
}
