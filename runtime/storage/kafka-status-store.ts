import { TributaryError } from '../../plugins/api/index.js';
import type { KafkaBasedLog, LogRecord } from './kafka-based-log.js';
import { startStoreLog, type KafkaStoreOptions } from './kafka-store-options.js';
import { decodeStatusRecord, encodeConnectorStatus, encodeTaskStatus, encodeTopicStatus, statusKeys, type StatusValue } from './kafka-status-format.js';
import type { EncodedRecord } from './kafka-config-format.js';
import type { ClusterStatusStore, ConnectorStatuses, StatusRecord } from './status-backing-store.js';

interface Entry {
  connector: StatusRecord | undefined;
  readonly tasks: Map<number, StatusRecord>;
}

/**
 * The distributed StatusBackingStore: the status topic (`status.storage.topic`, compacted) in
 * Kafka Connect's records (kafka-status-format.ts), KIP-558's active topics included. Puts are asynchronous, as in Kafka Connect:
 * the status is applied here at once and written in the background (retried within the store's
 * timeout; a newer put of the same key replaces one not yet sent, so a key's writes land in
 * order); every worker applies every record it reads.
 *
 * Stale writes lose: a status whose generation is older than the one held for its key is ignored,
 * when put here and when read, so every worker reaches the same view whatever order it hears
 * writes in — a fenced worker's late write cannot overwrite its successor's. A tombstone (a
 * removed task or connector) clears the key, after which any generation is taken. Generations
 * must therefore not go backwards: a worker group the coordinator forgot starts again at 1, and
 * `highestGeneration()` lets a herder see that happened.
 */
export class KafkaStatusStore implements ClusterStatusStore {
  readonly #options: KafkaStoreOptions;
  readonly #statuses = new Map<string, Entry>();
  /** KIP-558 active topics: connector → topic → the task that used it first */
  readonly #topics = new Map<string, Map<string, number>>();
  readonly #pending = new Map<string, Buffer | null>();
  readonly #draining = new Map<string, Promise<void>>();
  #log: KafkaBasedLog | undefined;
  #stopped = false;
  #highestGeneration = -1;

  constructor(options: KafkaStoreOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    // started already (startKafkaBackingStores starts the stores, a herder may call start too)
    if (this.#log) return;
    this.#stopped = false;
    this.#log = await startStoreLog(this.#options, 'status', (record) => this.#read(record), {}, () => this.#stopped);
  }

  /** Sends what is still queued (within the timeout), then stops reading. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#draining.values()]);
    await this.#log?.stop();
    this.#log = undefined;
  }

  putConnector(name: string, status: StatusRecord): void {
    this.#applyConnector(name, status);
    this.#enqueue(encodeConnectorStatus(name, toValue(status)));
  }

  putTask(name: string, task: number, status: StatusRecord): void {
    this.#applyTask(name, task, status);
    this.#enqueue(encodeTaskStatus(name, task, toValue(status)));
  }

  removeTask(name: string, task: number): void {
    this.#statuses.get(name)?.tasks.delete(task);
    this.#enqueue(encodeTaskStatus(name, task, null));
  }

  /** Tombstones for the connector's status and every task status known here. */
  removeConnector(name: string): void {
    const entry = this.#statuses.get(name);
    this.#statuses.delete(name);
    this.#enqueue(encodeConnectorStatus(name, null));
    for (const task of entry?.tasks.keys() ?? []) this.#enqueue(encodeTaskStatus(name, task, null));
  }

  putTopic(connector: string, topic: string, task: number): void {
    let topics = this.#topics.get(connector);
    if (!topics) this.#topics.set(connector, (topics = new Map()));
    if (topics.has(topic)) return;
    topics.set(topic, task);
    this.#enqueue(encodeTopicStatus({ topic, connector, task, discoverTimestamp: Date.now() }));
  }

  topics(connector: string): string[] {
    return [...(this.#topics.get(connector)?.keys() ?? [])].sort();
  }

  removeTopics(connector: string): void {
    const topics = this.#topics.get(connector);
    this.#topics.delete(connector);
    for (const topic of topics?.keys() ?? []) this.#enqueue({ key: statusKeys.topic(connector, topic), value: null });
  }

  get(name: string): ConnectorStatuses | undefined {
    const entry = this.#statuses.get(name);
    if (!entry) return undefined;
    // task statuses can arrive before the connector's (another worker runs it): unassigned till then
    const first = entry.tasks.values().next().value as StatusRecord | undefined;
    const connector = entry.connector ?? { state: 'UNASSIGNED', workerId: first?.workerId ?? '', generation: first?.generation ?? 0 };
    return { connector, tasks: new Map(entry.tasks) };
  }

  /** every connector with a status */
  connectors(): string[] {
    return [...this.#statuses.keys()].sort();
  }

  /** the highest generation of any status read or put (-1: none) */
  highestGeneration(): number {
    return this.#highestGeneration;
  }

  /** Resolves once every queued status is acknowledged and everything written before is read. */
  async flush(): Promise<void> {
    await Promise.all([...this.#draining.values()]);
    await this.#log?.readToEnd();
  }

  #entry(name: string): Entry {
    let entry = this.#statuses.get(name);
    if (!entry) this.#statuses.set(name, (entry = { connector: undefined, tasks: new Map() }));
    return entry;
  }

  #applyConnector(name: string, status: StatusRecord): void {
    this.#seen(status.generation);
    const entry = this.#entry(name);
    if (entry.connector && status.generation < entry.connector.generation) return this.#stale(`connector ${name}`, status, entry.connector);
    entry.connector = status;
  }

  #applyTask(name: string, task: number, status: StatusRecord): void {
    this.#seen(status.generation);
    const entry = this.#entry(name);
    const current = entry.tasks.get(task);
    if (current && status.generation < current.generation) return this.#stale(`task ${name}-${task}`, status, current);
    entry.tasks.set(task, status);
  }

  #seen(generation: number): void {
    if (generation > this.#highestGeneration) this.#highestGeneration = generation;
  }

  #stale(what: string, status: StatusRecord, current: StatusRecord): void {
    this.#options.logger.debug({ status: what, state: status.state, worker: status.workerId, generation: status.generation, heldGeneration: current.generation }, 'ignoring a status of an older generation');
  }

  #read(record: LogRecord): void {
    if (record.key === null) return;
    const decoded = decodeStatusRecord(record.key.toString('utf8'), record.value);
    switch (decoded.kind) {
      case 'connector':
        // DESTROYED is written as a tombstone by Kafka Connect; read either as the status gone
        if (decoded.status === null || decoded.status.state === 'DESTROYED') {
          const entry = this.#statuses.get(decoded.connector);
          if (entry) entry.connector = undefined;
          if (entry && entry.tasks.size === 0) this.#statuses.delete(decoded.connector);
        } else this.#applyConnector(decoded.connector, fromValue(decoded.status));
        return;
      case 'task':
        if (decoded.status === null || decoded.status.state === 'DESTROYED') {
          const entry = this.#statuses.get(decoded.connector);
          entry?.tasks.delete(decoded.task);
          if (entry && entry.tasks.size === 0 && !entry.connector) this.#statuses.delete(decoded.connector);
        } else this.#applyTask(decoded.connector, decoded.task, fromValue(decoded.status));
        return;
      case 'ignored':
        this.#options.logger.debug({ key: decoded.key, reason: decoded.reason }, 'skipping a record of the status topic');
        return;
      case 'topic': {
        const topics = this.#topics.get(decoded.connector);
        if (decoded.status === null) {
          topics?.delete(decoded.topic);
          if (topics?.size === 0) this.#topics.delete(decoded.connector);
        } else if (topics) topics.set(decoded.topic, decoded.status.task);
        else this.#topics.set(decoded.connector, new Map([[decoded.topic, decoded.status.task]]));
        return;
      }
      default:
        return;
    }
  }

  #enqueue(record: EncodedRecord): void {
    if (!this.#log) throw new TributaryError('internal', `the status store over topic '${this.#options.topic.topic}' is not started`);
    this.#pending.set(record.key, record.value);
    if (!this.#draining.has(record.key)) this.#draining.set(record.key, this.#drain(this.#log, record.key));
  }

  /** One write of a key at a time, always its newest value. */
  async #drain(log: KafkaBasedLog, key: string): Promise<void> {
    try {
      while (this.#pending.has(key)) {
        const value = this.#pending.get(key)!;
        this.#pending.delete(key);
        try {
          await log.send(Buffer.from(key, 'utf8'), value);
        } catch (error) {
          // a status is an observation: the next put of it writes again
          this.#options.logger.warn({ err: error, key }, 'could not write a status to Kafka');
        }
      }
    } finally {
      this.#draining.delete(key);
    }
  }
}

function toValue(status: StatusRecord): StatusValue {
  return { state: status.state, trace: status.trace ?? null, workerId: status.workerId, generation: status.generation };
}

function fromValue(value: StatusValue): StatusRecord {
  return { state: value.state as StatusRecord['state'], ...(value.trace === null ? {} : { trace: value.trace }), workerId: value.workerId, generation: value.generation };
}
