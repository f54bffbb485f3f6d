import { describeError, parseConfig, reportErrors, TributaryError, type Connector, type Logger, type RawConfig } from '../../plugins/api/index.js';
import { resolveConfigProviders } from '../config/config-providers.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { Bus, ConnectorView, SinkFeed } from '../bus/bus.js';
import type { ConnectorState, TargetState, TaskStatus } from '../herder/herder.js';
import type { LogRegistry } from '../logging/log-registry.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import type { StatusBackingStore } from '../storage/status-backing-store.js';
import { fullSpecOf, validateConnector } from './connector-validator.js';
import { OffsetCommitter } from './offset-committer.js';
import { SinkTaskRunner, type DeadLetterReplay } from './sink-task-runner.js';
import { SourceTaskRunner } from './source-task-runner.js';
import { createTaskRunner, topicMatcher } from './task-factory.js';
import { restartDelay, type TaskSlot } from './task-slot.js';

export interface WorkerOptions {
  workerId: string;
  registry: PluginRegistry;
  offsets: OffsetBackingStore;
  /** where the observed state of connectors and tasks is written */
  statuses: StatusBackingStore;
  /** the worker group's generation, written with every status (standalone: 0) */
  generation?: () => number;
  logs: LogRegistry;
  metrics: WorkerMetrics;
  /** how records move between this worker's tasks (and, with Kafka, other workers') */
  bus: Bus;
  shutdownTimeoutMs: number;
  flushTimeoutMs: number;
}

interface ConnectorEntry {
  name: string;
  /** as stored: provider references unresolved */
  config: Record<string, string>;
  target: TargetState;
  connector?: Connector;
  failure?: string;
  taskConfigs: RawConfig[];
  tasks: TaskSlot[];
  matches?: (topic: string) => boolean;
  /** a running sink's feeds, one per task */
  feeds?: SinkFeed[];
  restart: { auto: boolean; initialMs: number; maxMs: number; maxAttempts: number };
  /** the config's unknown properties were logged (once per config, not at every restart) */
  warned?: boolean;
  /** a connector-level failure (its task configs could not be computed) waiting for its automatic restart */
  connectorRestart?: { failures: number; timer?: NodeJS.Timeout };
  /** task ids whose statuses are in the status store */
  publishedTasks: Set<number>;
}

/**
 * Runs connectors' tasks in this process: starts, pauses, stops and restarts them, keeps their
 * observed state, restarts failed tasks with backoff, and runs the offset commit cycle. Lifecycle
 * changes are serialized. Any restart restarts the task's whole component (see component.ts).
 */
export class Worker {
  readonly #o: WorkerOptions;
  readonly #log: Logger;
  readonly #connectors = new Map<string, ConnectorEntry>();
  readonly #committer: OffsetCommitter;
  #lock: Promise<unknown> = Promise.resolve();
  #stopping = false;
  readonly #taskConfigListeners = new Set<(name: string, configs: RawConfig[]) => void>();

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#log = options.logs.get('runtime.worker');
    this.#committer = new OffsetCommitter({
      offsets: options.offsets,
      metrics: options.metrics,
      logger: this.#log,
      flushTimeoutMs: options.flushTimeoutMs,
      runners: () => this.#runners(),
      persistSinkState: () => options.bus.persistSinkState(),
    });
  }

  get workerId(): string {
    return this.#o.workerId;
  }

  /**
   * Starts a connector that is new to this worker. Nothing else restarts — except a source whose
   * offsets are held for topics this new sink takes: it replays from its committed offset (with
   * its component), so the sink gets the records published before it existed.
   */
  addConnector(name: string, config: Record<string, string>, target: TargetState): Promise<void> {
    return this.#locked(async () => {
      const waiting = this.#sourcesWaitingFor(config);
      const add = () => void this.#connectors.set(name, this.#entry(name, config, target));
      if (waiting.length === 0) {
        add();
        await this.#startTasks(name);
        return;
      }
      this.#log.info({ connector: name, sources: waiting }, 'a new sink takes topics sources held their offsets for: they replay from their committed offsets');
      await this.#restartComponent(waiting, add, [name]);
    });
  }

  /** New config for a running connector: it and its component restart (and held sources its new topics take). */
  reconfigureConnector(name: string, config: Record<string, string>): Promise<void> {
    return this.#locked(() => this.#restartComponent([name, ...this.#sourcesWaitingFor(config)], () => {
      const old = this.#connectors.get(name)!;
      this.#connectors.set(name, this.#entry(name, config, old.target));
    }));
  }

  /** Source connectors holding offsets for topics a sink with this config would take. */
  #sourcesWaitingFor(config: Record<string, string>): string[] {
    const connector = this.#o.registry.find(config['connector.class'] ?? '');
    if (connector?.kind !== 'sink') return [];
    const parsed = parseConfig(fullSpecOf(connector), resolveConfigProviders(config).config);
    if (!parsed.ok) return [];
    const matches = topicMatcher(parsed.value as Record<string, unknown>);
    return this.#o.bus.sourcesWaitingFor(matches).filter((owner) => this.#connectors.has(owner));
  }

  removeConnector(name: string): Promise<void> {
    return this.#locked(async () => {
      const taskCount = this.#require(name).taskConfigs.length;
      await this.#restartComponent([name], () => this.#connectors.delete(name));
      this.#o.statuses.removeConnector(name);
      // Series of a deleted connector go too; a restart keeps them (counters must not reset).
      for (let id = 0; id < taskCount; id++) await this.#o.metrics.removeTask(name, id);
    });
  }

  setTargetState(name: string, target: TargetState): Promise<void> {
    return this.#locked(async () => {
      const entry = this.#require(name);
      const wasStopped = entry.target === 'STOPPED';
      if (target === 'STOPPED' || wasStopped) {
        await this.#restartComponent([name], () => (entry.target = target));
        return;
      }
      entry.target = target;
      for (const slot of entry.tasks) {
        if (slot.state !== 'RUNNING' && slot.state !== 'PAUSED') continue;
        if (target === 'PAUSED') slot.runner?.pause();
        else slot.runner?.resume();
        this.#setState(entry, slot, target);
      }
      this.#publishStatus(entry);
    });
  }

  /** Restarts the connector (its task configs are recomputed) and, with includeTasks, its tasks. */
  restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<void> {
    return this.#locked(async () => {
      const entry = this.#require(name);
      const failed = entry.failure !== undefined || entry.tasks.some((t) => t.state === 'FAILED' || t.state === 'RESTARTING');
      if (options.onlyFailed && !failed) return;
      for (const t of entry.tasks) t.failures = 0;
      await this.#restartComponent([name], () => {});
    });
  }

  restartTask(name: string, taskId: number): Promise<void> {
    return this.#locked(async () => {
      const slot = this.#require(name).tasks.find((t) => t.id === taskId);
      if (slot) slot.failures = 0;
      await this.#restartComponent([name], () => {});
    });
  }

  /**
   * What this worker knows beyond the status record about a task it runs: snapshot progress, and
   * a warning needing an operator (a source holding its offsets). Undefined for other tasks.
   */
  taskExtras(name: string, taskId: number): Pick<TaskStatus, 'progress' | 'warning'> | undefined {
    const slot = this.#connectors.get(name)?.tasks.find((t) => t.id === taskId);
    if (!slot) return undefined;
    return {
      ...(slot.runner?.progress ? { progress: slot.runner.progress } : {}),
      ...(slot.runner instanceof SourceTaskRunner && slot.runner.heldTopics.size > 0 ? { warning: heldWarning(slot.runner.heldTopics) } : {}),
    };
  }

  /** Writes the observed state of a connector and its tasks to the status store. */
  #publishStatus(entry: ConnectorEntry): void {
    if (this.#connectors.get(entry.name) !== entry) return;
    const statuses = this.#o.statuses;
    const base = { workerId: this.#o.workerId, generation: this.#o.generation?.() ?? 0 };
    const state: ConnectorState = entry.failure ? (entry.connectorRestart?.timer ? 'RESTARTING' : 'FAILED') : entry.target === 'STOPPED' ? 'STOPPED' : entry.target === 'PAUSED' ? 'PAUSED' : 'RUNNING';
    statuses.putConnector(entry.name, { state, ...(entry.failure ? { trace: entry.failure } : {}), ...base });
    const ids = new Set<number>();
    for (const t of entry.tasks) {
      ids.add(t.id);
      const trace = t.trace && (t.state === 'FAILED' || t.state === 'RESTARTING') ? t.trace
        : t.state === 'RUNNING' && t.runner?.degraded.current ? degradedTrace(t.runner.degraded.current) : undefined;
      statuses.putTask(entry.name, t.id, { state: t.state, ...(trace ? { trace } : {}), ...base });
    }
    for (const id of entry.publishedTasks) if (!ids.has(id)) statuses.removeTask(entry.name, id);
    entry.publishedTasks = ids;
  }

  kindOf(name: string): 'source' | 'sink' {
    const entry = this.#require(name);
    return (entry.connector ?? this.#o.registry.find(entry.config['connector.class'] ?? ''))?.kind ?? 'source';
  }

  taskConfigs(name: string): RawConfig[] {
    return this.#require(name).taskConfigs;
  }

  /**
   * Calls `listener` each time a connector has computed its task configs (at every start), with
   * the configs as they may be stored: a value taken from a `${provider:...}` reference keeps the
   * reference, so secrets never reach a config topic. Returns the listener's removal.
   */
  onTaskConfigs(listener: (name: string, configs: RawConfig[]) => void): () => void {
    this.#taskConfigListeners.add(listener);
    return () => this.#taskConfigListeners.delete(listener);
  }

  get bus(): Bus {
    return this.#o.bus;
  }

  /** Asks sinks what is durable, then writes source offsets and sink positions together. */
  commitOffsets(): Promise<void> {
    return this.#committer.commit();
  }

  /**
   * Graceful stop: sources pause, sinks complete their open work (flush), a last commit records
   * it all, then every task stops within the shutdown timeout. Nothing is left to replay.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const { sources } = this.#runners();
    for (const source of sources) source.pause();
    await this.#committer.commit(true);
    await this.#locked(async () => {
      for (const name of [...this.#connectors.keys()]) await this.#stopTasks(name);
    });
  }

  #entry(name: string, config: Record<string, string>, target: TargetState): ConnectorEntry {
    const n = (key: string, fallback: number) => (config[key] !== undefined && config[key] !== '' ? Number(config[key]) : fallback);
    return {
      name,
      config,
      target,
      taskConfigs: [],
      tasks: [],
      publishedTasks: new Set(),
      restart: {
        auto: (config['task.restart.auto.enabled'] ?? 'true').toLowerCase() !== 'false',
        initialMs: n('task.restart.backoff.initial.ms', 1000),
        maxMs: n('task.restart.backoff.max.ms', 60000),
        maxAttempts: n('task.restart.max.attempts', 10),
      },
    };
  }

  /** Stops the component of `names`, applies `change`, starts it again with `added` (new connectors). */
  async #restartComponent(names: string[], change: () => void, added: string[] = []): Promise<void> {
    const members = [...this.#o.bus.restartScope(names, this.#view())].filter((n) => this.#connectors.has(n));
    for (const n of members) await this.#stopTasks(n);
    change();
    // Sinks subscribe before sources publish, so nothing is published past a sink that is coming.
    const present = [...members, ...added].filter((n) => this.#connectors.has(n));
    const order = [...present.filter((n) => this.kindOf(n) === 'sink'), ...present.filter((n) => this.kindOf(n) === 'source')];
    for (const n of order) await this.#startTasks(n);
  }

  async #startTasks(name: string): Promise<void> {
    await this.#startTasksOf(name);
    const entry = this.#connectors.get(name);
    if (entry) this.#publishStatus(entry);
  }

  async #startTasksOf(name: string): Promise<void> {
    const entry = this.#require(name);
    entry.failure = undefined;
    entry.tasks = [];
    if (entry.target === 'STOPPED' || this.#stopping) return;
    // the connector's own checks (connectivity) ran when the config was submitted; at start a
    // source that is down is for the task to wait for, with its retries, not a config error
    const { report, valid } = await validateConnector(this.#o.registry, entry.config, undefined, { connectorChecks: false });
    if (!entry.warned) {
      entry.warned = true;
      for (const w of report.warnings) this.#log.warn({ connector: name, property: w.name, suggestion: w.suggestion }, w.message);
    }
    if (!valid) {
      const problems = reportErrors(report);
      // Written as describeError writes a TributaryError: the code first (docs/errors.md).
      entry.failure = `config.invalid: The connector configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
      this.#log.error({ connector: name, code: 'config.invalid', problems }, 'connector configuration is invalid; connector FAILED');
      return;
    }
    entry.connector = valid.connector;
    try {
      entry.taskConfigs = await valid.connector.taskConfigs(valid.parsed, valid.resolved, Number(valid.parsed['tasks.max'] ?? 1));
    } catch (error) {
      entry.failure = describeError(error);
      this.#log.error({ connector: name, err: error }, 'connector failed to compute task configs');
      this.#scheduleConnectorRestart(entry, error);
      return;
    }
    entry.connectorRestart = undefined;
    // Task configs inherit the framework properties so each task sees its transforms and policies.
    entry.taskConfigs = entry.taskConfigs.map((tc) => ({ ...valid.resolved, ...tc }));
    for (const listener of this.#taskConfigListeners) listener(name, storableTaskConfigs(entry.config, valid.resolved, entry.taskConfigs));
    if (valid.connector.kind === 'sink') {
      entry.matches = topicMatcher(valid.parsed);
      entry.feeds = this.#o.bus.subscribe({ connector: name, tasks: entry.taskConfigs.length, matches: entry.matches, config: valid.resolved });
    }
    // a source starting again replays from its committed offset: what it held is sent again
    if (valid.connector.kind === 'source') {
      this.#o.bus.sourceRestarted(name);
      this.#o.bus.sourceStarting(name, valid.resolved);
    }
    entry.tasks = entry.taskConfigs.map((_, id) => ({ id, state: 'UNASSIGNED', failures: this.#previousFailures(name, id), startedAt: Date.now() }));
    for (const slot of entry.tasks) await this.#startTask(entry, slot);
  }

  /**
   * A connector that failed as a whole (not one of its tasks) restarts with the same backoff as
   * a task, so one that failed during an outage comes back by itself; a failure only an operator
   * can fix stays FAILED.
   */
  #scheduleConnectorRestart(entry: ConnectorEntry, error: unknown): void {
    const { auto, initialMs, maxMs, maxAttempts } = entry.restart;
    const failures = (entry.connectorRestart?.failures ?? 0) + 1;
    const retriable = error instanceof TributaryError && error.retriable;
    if (!auto || this.#stopping || needsOperator(error) || (!retriable && maxAttempts >= 0 && failures > maxAttempts)) {
      entry.connectorRestart = { failures };
      return;
    }
    const timer = setTimeout(() => {
      void this.#locked(async () => {
        if (this.#connectors.get(entry.name) !== entry || entry.connectorRestart?.timer !== timer) return;
        entry.connectorRestart = { failures };
        await this.#restartComponent([entry.name], () => {});
      });
    }, restartDelay(failures, initialMs, maxMs));
    timer.unref();
    entry.connectorRestart = { failures, timer };
    this.#publishStatus(entry);
  }

  readonly #failureHistory = new Map<string, number>();

  #previousFailures(name: string, id: number): number {
    return this.#failureHistory.get(`${name}/${id}`) ?? 0;
  }

  async #startTask(entry: ConnectorEntry, slot: TaskSlot): Promise<void> {
    const connector = entry.connector!;
    const sink = entry.feeds ? { feed: entry.feeds[slot.id], deadLetterReplay: this.#deadLetterReplayOf(entry.name) } : undefined;
    const deps = { bus: this.#o.bus, offsets: this.#o.offsets, logs: this.#o.logs, metrics: this.#o.metrics, requestCommit: () => void this.#committer.commit() };
    slot.startedAt = Date.now();
    try {
      slot.runner = createTaskRunner(deps, connector, entry.name, slot.id, entry.taskConfigs[slot.id], sink);
      slot.runner.degraded.onChange = () => this.#publishStatus(entry);
      await slot.runner.start(entry.target === 'PAUSED', (error) => this.#taskFailed(entry, slot, error));
      this.#setState(entry, slot, entry.target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
    } catch (error) {
      this.#taskFailed(entry, slot, error);
    }
  }

  #taskFailed(entry: ConnectorEntry, slot: TaskSlot, error: unknown): void {
    if (this.#connectors.get(entry.name) !== entry || !entry.tasks.includes(slot)) return;
    if (this.#deadLetterFailedWrite(entry, slot, error)) return;
    const healthyFor = Date.now() - slot.startedAt;
    slot.failures = healthyFor > entry.restart.maxMs ? 1 : slot.failures + 1;
    this.#failureHistory.set(`${entry.name}/${slot.id}`, slot.failures);
    slot.trace = describeError(error);
    this.#log.error({ connector: entry.name, task: slot.id, failures: slot.failures, err: error }, 'task failed');
    const { auto, initialMs, maxMs, maxAttempts } = entry.restart;
    // a retriable failure (source or store unavailable, connection lost) heals once the outage
    // ends: it restarts with backoff however long that takes; others at most maxAttempts times
    const retriable = error instanceof TributaryError && error.retriable;
    if (!auto || this.#stopping || (!retriable && maxAttempts >= 0 && slot.failures > maxAttempts) || needsOperator(error)) {
      this.#setState(entry, slot, 'FAILED');
      return;
    }
    this.#setState(entry, slot, 'RESTARTING');
    const delay = restartDelay(slot.failures, initialMs, maxMs);
    slot.restartTimer = setTimeout(() => {
      void this.#locked(async () => {
        if (this.#connectors.get(entry.name) !== entry || !entry.tasks.includes(slot) || slot.state !== 'RESTARTING') return;
        this.#o.metrics.taskRestarts.inc({ connector: entry.name, task: String(slot.id) });
        await this.#restartComponent([entry.name], () => {});
      });
    }, delay);
    slot.restartTimer.unref();
  }

  /** per sink connector and topic: replayed records up to a position go to the dead-letter topic */
  readonly #deadLetterReplay = new Map<string, Map<string, DeadLetterReplay>>();

  #deadLetterReplayOf(name: string): Map<string, DeadLetterReplay> {
    let replay = this.#deadLetterReplay.get(name);
    if (!replay) this.#deadLetterReplay.set(name, (replay = new Map()));
    return replay;
  }

  /**
   * A sink's storage failed for good (retries exhausted) and errors.tolerance=all names a
   * dead-letter topic: the records it had taken — its open files' too, which are streamed and no
   * longer in memory — are replayed right away and go to the dead-letter topic instead of the
   * sink, with the storage error as context. Nothing is dropped; the task carries on.
   */
  #deadLetterFailedWrite(entry: ConnectorEntry, slot: TaskSlot, error: unknown): boolean {
    const runner = slot.runner;
    const storageFailure = error instanceof TributaryError && (error.code === 'sink.unavailable' || error.code === 'sink.write_failed');
    if (!(runner instanceof SinkTaskRunner) || !storageFailure || !runner.deadLettersEnabled || this.#stopping) return false;
    const replay = this.#deadLetterReplayOf(entry.name);
    for (const [topic, position] of runner.putPositions) {
      const current = replay.get(topic);
      if (!current || position > current.position) replay.set(topic, { position, error });
    }
    this.#log.error({ connector: entry.name, task: slot.id, err: error }, 'sink storage failed; replaying its unwritten records to the dead-letter topic (errors.tolerance=all)');
    slot.trace = describeError(error);
    this.#setState(entry, slot, 'RESTARTING');
    this.#o.metrics.taskRestarts.inc({ connector: entry.name, task: String(slot.id) });
    void this.#locked(async () => {
      if (this.#connectors.get(entry.name) === entry && entry.tasks.includes(slot)) await this.#restartComponent([entry.name], () => {});
    });
    return true;
  }

  async #stopTasks(name: string): Promise<void> {
    const entry = this.#connectors.get(name);
    if (!entry) return;
    clearTimeout(entry.connectorRestart?.timer);
    if (entry.connectorRestart) entry.connectorRestart.timer = undefined;
    if (entry.feeds) await this.#o.bus.unsubscribe(name);
    entry.feeds = undefined;
    const timeout = this.#o.shutdownTimeoutMs;
    await Promise.all(entry.tasks.map(async (slot) => {
      clearTimeout(slot.restartTimer);
      await slot.runner?.stop(timeout);
    }));
    if (entry.tasks.some((t) => t.runner instanceof SourceTaskRunner)) await this.#o.bus.sourceStopped(name);
    entry.tasks = [];
  }

  #setState(entry: ConnectorEntry, slot: TaskSlot, state: ConnectorState): void {
    slot.state = state;
    this.#o.metrics.setTaskState(entry.name, slot.id, state);
    this.#publishStatus(entry);
  }


  #runners(): { sources: SourceTaskRunner[]; sinks: SinkTaskRunner[] } {
    const sources: SourceTaskRunner[] = [];
    const sinks: SinkTaskRunner[] = [];
    for (const entry of this.#connectors.values()) {
      for (const slot of entry.tasks) {
        if (slot.runner instanceof SourceTaskRunner) sources.push(slot.runner);
        else if (slot.runner instanceof SinkTaskRunner && (slot.state === 'RUNNING' || slot.state === 'PAUSED')) sinks.push(slot.runner);
      }
    }
    return { sources, sinks };
  }

  #view(): ConnectorView {
    return {
      sinks: () => [...this.#connectors.values()].filter((e) => e.matches).map((e) => ({ name: e.name, matches: e.matches! })),
      isSource: (name) => this.#connectors.has(name) && this.kindOf(name) === 'source',
    };
  }

  #require(name: string): ConnectorEntry {
    const entry = this.#connectors.get(name);
    if (!entry) throw new Error(`worker has no connector ${name}`);
    return entry;
  }

  #locked<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(operation, operation);
    this.#lock = next.catch(() => {});
    return next;
  }
}

function heldWarning(held: ReadonlyMap<string, number>): string {
  const since = new Date(Math.min(...held.values())).toISOString();
  return `No sink connector takes topic(s) ${[...held.keys()].sort().join(', ')}: this task's offsets are held before their records since ${since}, so a sink created for them still gets them (embedded mode keeps no log). Create the sink, or leave the topics out of the source.`;
}

/**
 * Failures a restart cannot heal — a stored offset the task cannot read, an invalid config, a
 * record that fails with errors.tolerance=none (a restart reads it again), a source position the
 * database no longer has: the task goes FAILED at once (with the trace saying what to fix)
 * instead of restarting in a loop.
 */
function needsOperator(error: unknown): boolean {
  return error instanceof TributaryError && !error.retriable && (error.code === 'offsets.invalid' || error.code === 'config.invalid' || error.code === 'errors.tolerance_exceeded' || error.code === 'source.position_lost');
}

/** The status trace of a RUNNING task working around a failure: the error, and since when. */
function degradedTrace(degraded: { error: unknown; since: number }): string {
  return `${describeError(degraded.error)}\n(still RUNNING: the task has been working around this since ${new Date(degraded.since).toISOString()})`;
}

/** Task configs with every value that came from a provider reference put back as that reference. */
function storableTaskConfigs(stored: Readonly<Record<string, string>>, resolved: Readonly<RawConfig>, taskConfigs: readonly RawConfig[]): RawConfig[] {
  return taskConfigs.map((tc) => Object.fromEntries(Object.entries(tc).map(([k, v]) => [k, k in stored && v === resolved[k] ? stored[k] : v])));
}
