import { Schemas, type Schema, type SourceOffset, type SourcePartition, type SourceRecord } from '../api/index.js';

const heartbeatKeySchema: Schema = Schemas.struct([Schemas.field('serverName', Schemas.string())], { name: 'io.debezium.connector.common.ServerNameKey' });
const heartbeatValueSchema: Schema = Schemas.struct([Schemas.field('ts_ms', Schemas.int64())], { name: 'io.debezium.connector.common.Heartbeat' });

export interface HeartbeatSettings {
  readonly serverName: string;
  /** `<heartbeat.topics.prefix>.<topic.prefix>` */
  readonly heartbeatTopic: string;
}

/**
 * A Debezium heartbeat record: carries an offset at the server's current position while the
 * captured tables are idle, so that offset gets committed and the server may release its log.
 */
export function heartbeatRecord(settings: HeartbeatSettings, partition: SourcePartition, offset: SourceOffset, position: string): SourceRecord {
  const now = Date.now();
  return {
    topic: settings.heartbeatTopic,
    keySchema: heartbeatKeySchema,
    key: { serverName: settings.serverName },
    valueSchema: heartbeatValueSchema,
    value: { ts_ms: now },
    timestamp: now,
    sourcePartition: partition,
    sourceOffset: offset,
    position,
    id: `${settings.serverName}/${position}`,
  };
}

/**
 * When the next heartbeat is due: a timer marks it due every `intervalMs` (0 disables), and the
 * reader emits one at its next chance past a position not yet heartbeated (the reader knows the
 * server's position; the timer does not). At each tick `before` runs first (e.g.
 * `heartbeat.action.query`, so its change precedes the heartbeat), then the heartbeat is marked
 * due, then `after` runs (e.g. asking the server for its current position).
 */
export class HeartbeatSchedule {
  #due = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly intervalMs: number) {}

  start(before?: () => Promise<void>, after?: () => void): void {
    if (this.intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(before, after), this.intervalMs);
  }

  async #tick(before?: () => Promise<void>, after?: () => void): Promise<void> {
    await before?.();
    this.#due = true;
    after?.();
  }

  get due(): boolean {
    return this.#due;
  }

  /** the reader emitted (or had no reason to emit) the heartbeat */
  done(): void {
    this.#due = false;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
