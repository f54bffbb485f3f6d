import { Producer, ProduceAcks } from '@platformatic/kafka';
import { RetriableError, TributaryError, type RawConfig } from '../../plugins/api/index.js';
import { errorNames } from '../kafka/partition-fetcher.js';
import type { TargetState } from '../herder/herder.js';
import type { ClusterConfigStore, ConfigChange, SessionKey } from './config-backing-store.js';
import type { StoredConnector } from './config-store.js';
import type { KafkaBasedLog, LogRecord } from './kafka-based-log.js';

/** the library's transaction (its class is not exported by name) */
type LeaderTransaction = Awaited<ReturnType<Producer['beginTransaction']>>;
interface LeaderProducer { readonly id: string; readonly producer: Producer; next: LeaderTransaction | undefined }
import {
  decodeConfigRecord, encodeConnectorConfig, encodeRestartRequest, encodeSessionKey, encodeTargetState, encodeTaskConfig, encodeTasksCommit,
  type EncodedRecord, type TargetState as KafkaTargetState,
} from './kafka-config-format.js';
import { startStoreLog, type KafkaStoreOptions } from './kafka-store-options.js';
import { sameConfig } from '../worker/same-config.js';

const toKafka = (state: TargetState): KafkaTargetState => (state === 'RUNNING' ? 'STARTED' : state);
const fromKafka = (state: KafkaTargetState): TargetState => (state === 'STARTED' ? 'RUNNING' : state);

/**
 * The distributed ConfigBackingStore: the config topic (`config.storage.topic`, one partition,
 * compacted) in Kafka Connect's records (kafka-config-format.ts), read as
 * `KafkaConfigBackingStore` reads them:
 * - `connector-<c>` sets the connector's config (a tombstone deletes the connector, its task
 *   configs and target state); a connector without a target-state record is RUNNING;
 * - `task-<c>-<n>` is only buffered: a connector's task configs change when its `commit-<c>`
 *   `{"tasks":N}` is read, and only if tasks 0..N-1 were all buffered since the previous commit.
 *   Otherwise (compaction removed some, or a leader died half-way) the connector is
 *   *inconsistent*: `taskConfigs` answers undefined until a complete set is committed, so the
 *   herder computes them again;
 * - `target-state-<c>` (v0 and v1 forms) sets the target state;
 * - `session-key` is kept (the latest one), and `restart-connector-<c>` is announced to the
 *   listeners (only when read after `start`: a request read back at start-up was for workers of
 *   the past);
 * - the other records (task-count records, logger levels) are read and ignored here.
 *
 * Writes resolve once the records are acknowledged and read back, so the state and the change
 * listeners have seen them; the listeners hear other workers' writes too (never the records read
 * during `start`, which only builds the state). Connector origins are not part of Kafka
 * Connect's format: every connector here reads as created over REST.
 */
export class KafkaConfigStore implements ClusterConfigStore {
  readonly #options: KafkaStoreOptions;
  readonly #configs = new Map<string, Record<string, string>>();
  readonly #targetStates = new Map<string, TargetState>();
  readonly #taskCounts = new Map<string, number>();
  readonly #taskConfigs = new Map<string, Map<number, RawConfig>>();
  readonly #deferred = new Map<string, Map<number, RawConfig>>();
  readonly #inconsistent = new Set<string>();
  readonly #listeners = new Set<(change: ConfigChange) => void>();
  #log: KafkaBasedLog | undefined;
  #sessionKey: SessionKey | undefined;
  #stopped = false;
  #started = false;
  #writing: Promise<void> = Promise.resolve();
  /** the leader's transactional producer (exactly-once sources), and its next transaction */
  #leader: LeaderProducer | undefined;

  constructor(options: KafkaStoreOptions) {
    this.#options = options;
  }

  get location(): string {
    return `Kafka topic ${this.#options.topic.topic}`;
  }

  async start(): Promise<void> {
    // started already (startKafkaBackingStores starts the stores, a herder may call start too)
    if (this.#log) return;
    // read_committed: a fenced leader's aborted writes (exactly-once support) are never applied
    this.#stopped = false;
    this.#log = await startStoreLog(this.#options, 'configs', (record) => this.#read(record), { requiredPartitions: 1, partitions: 1, isolationLevel: 'read_committed' }, () => this.#stopped);
    this.#started = true;
  }

  /**
   * Leading: a transactional producer with `transactionalId` is readied (its InitProducerId fences
   * the previous leader's producer and aborts its open transaction) and every write goes through
   * it, one transaction per write; not leading (null): back to the plain producer. Writes are
   * serialised with the change.
   */
  useLeaderTransactions(transactionalId: string | null): Promise<void> {
    const change = this.#writing.catch(() => undefined).then(async () => {
      if (this.#leader && this.#leader.id === transactionalId) return;
      const previous = this.#leader;
      this.#leader = undefined;
      await previous?.producer.close().catch(() => undefined);
      if (transactionalId === null) return;
      const producer = new Producer({
        clientId: `${this.#options.clientId}-configs-leader`, bootstrapBrokers: [...this.#options.bootstrapBrokers], ...this.#options.security,
        idempotent: true, transactionalId, acks: ProduceAcks.ALL, producerId: -1n, producerEpoch: -1, retries: 5, retryDelay: 250, timeout: this.#options.timeoutMs ?? 30_000,
      });
      try {
        // an empty transaction has no state on the brokers: it is the next write's
        const next = await producer.beginTransaction();
        this.#leader = { id: transactionalId, producer, next };
        this.#options.logger.info({ transactionalId, producerId: String(producer.producerId), epoch: producer.producerEpoch }, 'leading: config topic writes are transactional');
      } catch (error) {
        await producer.close().catch(() => undefined);
        throw new RetriableError('kafka.unavailable', `Could not ready the leader's transactional producer ${transactionalId} for the config topic: ${errorNames(error)}`, { cause: error });
      }
    });
    this.#writing = change;
    return change;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#writing.catch(() => undefined);
    await this.#leader?.producer.close().catch(() => undefined);
    this.#leader = undefined;
    this.#started = false;
    await this.#log?.stop();
    this.#log = undefined;
  }

  connectors(): StoredConnector[] {
    return [...this.#configs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => this.#stored(name));
  }

  taskConfigs(name: string): RawConfig[] | undefined {
    const count = this.#taskCounts.get(name);
    if (count === undefined || this.#inconsistent.has(name)) return undefined;
    const applied = this.#taskConfigs.get(name);
    return Array.from({ length: count }, (_, i) => ({ ...applied?.get(i) }));
  }

  /** Connectors whose last committed task configs were incomplete (see the class comment). */
  inconsistentConnectors(): string[] {
    return [...this.#inconsistent].sort();
  }

  /**
   * A new connector's target state goes first (readers see it when the config arrives, as Kafka
   * Connect writes them); a change of target state alone (pause, resume, stop) writes only that.
   */
  putConnector(connector: StoredConnector): Promise<void> {
    const records: EncodedRecord[] = [];
    const existing = this.#configs.get(connector.name);
    const stateChanged = (this.#targetStates.get(connector.name) ?? 'RUNNING') !== connector.targetState;
    if (stateChanged || (!existing && connector.targetState !== 'RUNNING')) records.push(encodeTargetState(connector.name, toKafka(connector.targetState)));
    if (!existing || !stateChanged || !sameConfig(existing, connector.config)) records.push(encodeConnectorConfig(connector.name, connector.config));
    return this.#send(records);
  }

  removeConnector(name: string): Promise<void> {
    return this.#send([encodeConnectorConfig(name, null), encodeTargetState(name, null)]);
  }

  /** The task configs, then the commit that applies them: readers never see a half-written set. */
  putTaskConfigs(name: string, configs: readonly RawConfig[]): Promise<void> {
    return this.#send([...configs.map((c, i) => encodeTaskConfig(name, i, c)), encodeTasksCommit(name, configs.length)], true);
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Waits until every record written to the topic before the call has been read. */
  async refresh(): Promise<void> {
    await this.#log?.readToEnd();
  }

  offset(): number {
    return Number(this.#log?.position(0) ?? 0n);
  }

  readTo(offset: number, timeoutMs: number): Promise<boolean> {
    return this.#log ? this.#log.readTo(BigInt(offset), timeoutMs) : Promise.resolve(false);
  }

  sessionKey(): SessionKey | undefined {
    return this.#sessionKey;
  }

  putSessionKey(key: SessionKey): Promise<void> {
    return this.#send([encodeSessionKey(key.key, key.algorithm, key.creationTimestamp)]);
  }

  putRestartRequest(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<void> {
    return this.#send([encodeRestartRequest(name, includeTasks, onlyFailed)]);
  }

  /**
   * Writes in order, one write at a time, then reads to the end. `catchUpFirst`: read to the end
   * before writing too (task configs are computed from what the store says), as Kafka Connect does.
   */
  #send(records: readonly EncodedRecord[], catchUpFirst = false): Promise<void> {
    const log = this.#log;
    if (!log) return Promise.reject(new TributaryError('internal', `the config store over topic '${this.#options.topic.topic}' is not started`));
    const write = this.#writing.catch(() => undefined).then(async () => {
      if (catchUpFirst) await log.readToEnd();
      if (this.#leader) {
        const last = await this.#sendInTransaction(this.#leader, records);
        // The coordinator writes the commit marker after answering the commit, and a
        // read_committed end offset stops before it until then: readToEnd could return before the
        // write is visible. Reading past the write's own last record cannot.
        if (!(await log.readTo(last + 1n, this.#options.timeoutMs ?? 30_000))) {
          throw new RetriableError('kafka.unavailable', `A committed write to the config topic ${this.#options.topic.topic} was not readable within ${this.#options.timeoutMs ?? 30_000} ms.`);
        }
      } else {
        for (const record of records) await log.send(Buffer.from(record.key, 'utf8'), record.value, 0);
      }
      await log.readToEnd();
    });
    this.#writing = write;
    return write;
  }

  /** One write as one transaction of the leader; a fenced leader's write fails and is never read. */
  async #sendInTransaction(leader: LeaderProducer, records: readonly EncodedRecord[]): Promise<bigint> {
    const tx = leader.next ?? await leader.producer.beginTransaction();
    leader.next = undefined;
    try {
      const sent = await tx.send({ messages: records.map((r) => ({ topic: this.#options.topic.topic, partition: 0, key: Buffer.from(r.key, 'utf8'), ...(r.value ? { value: r.value } : {}) })) });
      await tx.commit();
      const base = sent.offsets?.find((o) => o.partition === 0)?.offset;
      if (base === undefined) throw new Error('the broker answered the write without its offset');
      // the config topic's one partition: the write's records are base … base + n - 1
      return BigInt(base) + BigInt(records.length - 1);
    } catch (error) {
      await tx.abort().catch(() => undefined);
      const names = errorNames(error);
      if (/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(names)) {
        throw new RetriableError('kafka.unavailable', `This worker's write to the config topic was refused: another worker leads the group now and fenced this one's transactional producer ${leader.id} (${names}).`, { cause: error });
      }
      throw new RetriableError('kafka.unavailable', `A write to the config topic ${this.#options.topic.topic} failed in the leader's transaction: ${names || String(error)}`, { cause: error });
    }
  }

  #stored(name: string): StoredConnector {
    return { name, targetState: this.#targetStates.get(name) ?? 'RUNNING', config: { ...this.#configs.get(name) } };
  }

  #emit(change: ConfigChange): void {
    if (!this.#started) return;
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#options.logger.error({ err: error, change }, 'a config change listener failed');
      }
    }
  }

  #read(record: LogRecord): void {
    if (record.key === null) return;
    const key = record.key.toString('utf8');
    const decoded = decodeConfigRecord(key, record.value);
    switch (decoded.kind) {
      case 'connector': {
        const name = decoded.connector;
        if (decoded.properties === null) {
          const existed = this.#configs.delete(name);
          this.#taskCounts.delete(name);
          this.#taskConfigs.delete(name);
          this.#deferred.delete(name);
          this.#inconsistent.delete(name);
          this.#targetStates.delete(name);
          if (existed) this.#emit({ kind: 'removed', name });
          return;
        }
        this.#configs.set(name, { ...decoded.properties });
        this.#emit({ kind: 'connector', name });
        return;
      }
      case 'target-state': {
        const name = decoded.connector;
        // a removed target state (deletion) is announced by the connector's tombstone
        if (decoded.state === null) {
          this.#targetStates.delete(name);
          return;
        }
        const state = fromKafka(decoded.state);
        const before = this.#targetStates.get(name) ?? 'RUNNING';
        this.#targetStates.set(name, state);
        if (this.#configs.has(name) && before !== state) this.#emit({ kind: 'connector', name });
        return;
      }
      case 'task': {
        if (decoded.properties === null) return; // Kafka Connect logs these as unexpected and skips them
        let deferred = this.#deferred.get(decoded.connector);
        if (!deferred) this.#deferred.set(decoded.connector, (deferred = new Map()));
        deferred.set(decoded.task, { ...decoded.properties });
        return;
      }
      case 'commit': {
        const name = decoded.connector;
        const deferred = this.#deferred.get(name) ?? new Map<number, RawConfig>();
        const complete = Array.from({ length: decoded.tasks }, (_, i) => i).every((i) => deferred.has(i));
        if (complete) {
          const applied = this.#taskConfigs.get(name) ?? new Map<number, RawConfig>();
          for (const [task, config] of deferred) applied.set(task, config);
          this.#taskConfigs.set(name, applied);
          this.#inconsistent.delete(name);
        } else {
          this.#options.logger.warn({ connector: name, tasks: decoded.tasks, buffered: [...deferred.keys()].sort((a, b) => a - b) }, 'committed task configs are incomplete (compacted, or a leader stopped mid-write); they are ignored until the connector\'s tasks are written again');
          this.#inconsistent.add(name);
        }
        // either way a commit starts a fresh set: stale buffered configs must not complete a later one
        this.#deferred.delete(name);
        this.#taskCounts.set(name, decoded.tasks);
        this.#emit({ kind: 'tasks', name });
        return;
      }
      case 'session-key':
        this.#sessionKey = { key: decoded.key, algorithm: decoded.algorithm, creationTimestamp: decoded.creationTimestamp };
        return;
      case 'restart':
        if (this.#configs.has(decoded.connector)) this.#emit({ kind: 'restart', name: decoded.connector, includeTasks: decoded.includeTasks, onlyFailed: decoded.onlyFailed });
        return;
      case 'ignored':
        this.#options.logger.debug({ key, reason: decoded.reason }, 'skipping a record of the config topic');
        return;
      default:
        return;
    }
  }
}
