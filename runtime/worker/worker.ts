import { describeError, parseConfig, reportErrors, TributaryError, type Logger, type RawConfig } from '../../plugins/api/index.js';
import { resolveConfigProviders } from '../config/config-providers.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { Bus, ConnectorView, SinkFeed } from '../bus/bus.js';
import type { ConnectorState, TargetState, TaskStatus } from '../herder/herder.js';
import type { LogRegistry } from '../logging/log-registry.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import type { StatusBackingStore } from '../storage/status-backing-store.js';
import { fullSpecOf, validateConnector, type ValidatedConfig } from './connector-validator.js';
import { OffsetCommitter } from './offset-committer.js';
import { SinkTaskRunner, type DeadLetterReplay } from './sink-task-runner.js';
import { SourceTaskRunner } from './source-task-runner.js';
import { createTaskRunner, topicMatcher } from './task-factory.js';
import { sameConfig } from './same-config.js';
import { restartDelay, type TaskSlot } from './task-slot.js';
import {
  degradedTrace, heldWarning, needsOperator, storableTaskConfigs, type AssignedRestart, type ConnectorAssignment, type ConnectorEntry,
} from './connector-entry.js';

export type { AssignedRestart, ConnectorAssignment };

export interface WorkerOptions {
  workerId: string;
  registry: PluginRegistry;
  offsets: OffsetBackingStore;
  /** where the observed state of connectors and tasks is written */
  statuses: StatusBackingStore;
  /**
   * the worker group's generation, written with every status (standalone: 0); below 0 (fenced,
   * or no assignment in force) nothing is written: another worker may run this work by now
   */
  generation?: () => number;
  logs: LogRegistry;
  metrics: WorkerMetrics;
  /** how records move between this worker's tasks (and, with Kafka, other workers') */
  bus: Bus;
  shutdownTimeoutMs: number;
  flushTimeoutMs: number;
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
  /** worker groups: how many times this worker fenced itself (an assign under way stops starting things) */
  #fences = 0;
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
      sourcesWaitForSinks: options.bus.sourceOffsetsWaitForSinks ?? true,
      // a zombie's commit could pass its successor's
      mayCommit: () => (options.generation?.() ?? 0) >= 0,
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

  /** The source task `taskId` of `name` if this worker runs it (a REST signal's target), else undefined. */
  sourceTask(name: string, taskId = 0): SourceTaskRunner | undefined {
    const runner = this.#connectors.get(name)?.tasks.find((t) => t.id === taskId)?.runner;
    return runner instanceof SourceTaskRunner ? runner : undefined;
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
    const generation = this.#o.generation?.() ?? 0;
    // fenced, or between assignments: what this worker saw may already be another's to report
    if (generation < 0) return;
    const statuses = this.#o.statuses;
    const base = { workerId: this.#o.workerId, generation };
    const state: ConnectorState = entry.failure ? (entry.connectorRestart?.timer ? 'RESTARTING' : 'FAILED') : entry.target === 'STOPPED' ? 'STOPPED' : entry.target === 'PAUSED' ? 'PAUSED' : 'RUNNING';
    if (!entry.assigned || entry.assigned.connector) statuses.putConnector(entry.name, { state, ...(entry.failure ? { trace: entry.failure } : {}), ...base });
    const ids = new Set<number>();
    for (const t of entry.tasks) {
      ids.add(t.id);
      const trace = t.trace && (t.state === 'FAILED' || t.state === 'RESTARTING') ? t.trace
        : t.state === 'RUNNING' && t.runner?.degraded.current ? degradedTrace(t.runner.degraded.current) : undefined;
      statuses.putTask(entry.name, t.id, { state: t.state, ...(trace ? { trace } : {}), ...base });
    }
    // worker groups: a task this worker no longer runs is another's now, which writes its status
    if (!entry.assigned) for (const id of entry.publishedTasks) if (!ids.has(id)) statuses.removeTask(entry.name, id);
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

  /**
   * Worker groups: makes this worker run exactly `assignment` of connector `name` (undefined:
   * nothing of it). The connector runs here when `assignment.connector`: it computes the task
   * configs (reported to `onTaskConfigs`) and again when its config changes or it leaves STOPPED.
   * Each listed task runs with its committed config. What keeps its config keeps running, so a
   * rebalance stops nothing it need not; tasks no longer listed, or whose committed config
   * changed, are released first — sources pause and commit, sinks flush and commit — then stop.
   * Statuses are written only for what runs here and never removed: the next owner writes its own.
   */
  assign(name: string, assignment: ConnectorAssignment | undefined): Promise<void> {
    return this.#locked(async () => {
      const fences = this.#fences;
      const current = this.#connectors.get(name);
      if (!assignment) {
        if (!current) return;
        await this.#release(current, [...current.tasks]);
        clearTimeout(current.connectorRestart?.timer);
        this.#connectors.delete(name);
        return;
      }
      const entry = current ?? this.#entry(name, assignment.config, assignment.target);
      if (!current) {
        entry.assigned = { connector: false, tasks: new Map(), taskCount: assignment.taskCount };
        this.#connectors.set(name, entry);
      }
      const before = entry.assigned!;
      const configChanged = !sameConfig(entry.config, assignment.config);
      const wasStopped = entry.target === 'STOPPED';
      const stopped = assignment.target === 'STOPPED';
      const countChanged = before.taskCount !== assignment.taskCount;
      await this.#release(entry, entry.tasks.filter((slot) => {
        const stored = assignment.tasks.get(slot.id);
        // a sink task takes its partitions by the task count: another count, another share
        return stopped || !stored || !sameConfig(stored, slot.stored ?? {}) || (countChanged && entry.connector?.kind === 'sink');
      }));
      if (fences !== this.#fences) return;
      if (configChanged) Object.assign(entry, { config: assignment.config, restart: this.#entry(name, assignment.config, assignment.target).restart, warned: false, valid: undefined });
      entry.target = assignment.target;
      entry.assigned = { connector: assignment.connector, tasks: assignment.tasks, taskCount: assignment.taskCount };
      const startConnector = assignment.connector && !stopped && (!current || !before.connector || configChanged || wasStopped);
      if (!assignment.connector || stopped) {
        clearTimeout(entry.connectorRestart?.timer);
        entry.connectorRestart = undefined;
        entry.failure = undefined;
      }
      if (startConnector) await this.#startConnector(entry);
      else if (!stopped && !entry.valid) await this.#prepare(entry);
      if (!stopped) {
        for (const [id, stored] of [...assignment.tasks].sort(([a], [b]) => a - b)) {
          if (fences !== this.#fences) return;
          if (!entry.tasks.some((t) => t.id === id)) await this.#startAssignedTask(entry, id, stored);
        }
      }
      for (const slot of entry.tasks) {
        if (slot.state !== 'RUNNING' && slot.state !== 'PAUSED') continue;
        if (entry.target === 'PAUSED') slot.runner?.pause();
        else slot.runner?.resume();
        if (slot.state !== entry.target) this.#setState(entry, slot, entry.target);
      }
      this.#publishStatus(entry);
    });
  }

  /** Worker groups: carries out what a restart request asks of the part this worker runs. */
  restartAssigned(name: string, restart: AssignedRestart): Promise<void> {
    return this.#locked(async () => {
      const entry = this.#connectors.get(name);
      if (!entry?.assigned || entry.target === 'STOPPED') return;
      if (restart.connector && entry.assigned.connector) {
        clearTimeout(entry.connectorRestart?.timer);
        entry.connectorRestart = undefined;
        await this.#startConnector(entry);
      }
      for (const id of restart.tasks) {
        const slot = entry.tasks.find((t) => t.id === id);
        if (!slot) continue;
        slot.failures = 0;
        this.#failureHistory.delete(`${name}/${id}`);
        await this.#restartSlot(entry, slot);
      }
      this.#publishStatus(entry);
    });
  }

  /**
   * Worker groups: this worker may no longer be in its group, and another may be given its work
   * any moment. Everything stops now — without a commit (a zombie's commit could pass its
   * successor's) and without a status write — and an `assign` under way starts nothing more.
   */
  async fence(): Promise<void> {
    this.#fences++;
    const stopAll = async () => {
      const entries = [...this.#connectors.values()];
      this.#connectors.clear();
      await Promise.all(entries.map((entry) => this.#stopUncommitted(entry)));
    };
    await stopAll();
    // what an assign running meanwhile started
    await this.#locked(stopAll);
  }

  /** What this worker runs: connectors (their instances, not STOPPED ones) and tasks. */
  counts(): { connectors: number; tasks: number } {
    let connectors = 0;
    let tasks = 0;
    for (const entry of this.#connectors.values()) {
      if ((!entry.assigned || entry.assigned.connector) && entry.target !== 'STOPPED') connectors++;
      tasks += entry.tasks.length;
    }
    return { connectors, tasks };
  }

  async #stopUncommitted(entry: ConnectorEntry): Promise<void> {
    clearTimeout(entry.connectorRestart?.timer);
    const slots = entry.tasks.splice(0);
    await Promise.all(slots.map(async (slot) => {
      clearTimeout(slot.restartTimer);
      await slot.runner?.stop(this.#o.shutdownTimeoutMs);
    }));
    if (entry.feeds) await this.#o.bus.unsubscribe(entry.name);
    entry.feeds = undefined;
    if (slots.some((s) => s.runner instanceof SourceTaskRunner)) await this.#o.bus.sourceStopped(entry.name);
  }

  /** Worker groups: the connector (if this worker runs it) and every assigned task. */
  async #startAssigned(entry: ConnectorEntry): Promise<void> {
    const part = entry.assigned!;
    if (part.connector) await this.#startConnector(entry);
    else if (!(await this.#prepare(entry))) return;
    for (const [id, stored] of [...part.tasks].sort(([a], [b]) => a - b)) await this.#startAssignedTask(entry, id, stored);
  }

  /** The connector instance: validated, then its task configs computed (and reported). */
  async #startConnector(entry: ConnectorEntry): Promise<void> {
    entry.failure = undefined;
    const valid = await this.#prepare(entry);
    if (valid) await this.#computeTaskConfigs(entry, valid);
  }

  /** A task from its committed config; its providers are resolved here, on the worker that runs it. */
  async #startAssignedTask(entry: ConnectorEntry, id: number, stored: RawConfig): Promise<void> {
    const { config, errors } = resolveConfigProviders(stored);
    const slot: TaskSlot = { id, config, stored, state: 'UNASSIGNED', failures: this.#previousFailures(entry.name, id), startedAt: Date.now() };
    entry.tasks.push(slot);
    entry.tasks.sort((a, b) => a.id - b.id);
    const problems = Object.entries(errors).flatMap(([k, v]) => v.map((m) => `${k}: ${m}`));
    const valid = entry.valid;
    if (!valid || problems.length > 0) {
      slot.trace = valid ? `config.invalid: The task configuration cannot be resolved:\n${problems.map((p) => `  - ${p}`).join('\n')}` : (entry.failure ?? 'config.invalid: The connector configuration is invalid');
      this.#setState(entry, slot, 'FAILED');
      return;
    }
    if (valid.connector.kind === 'source') {
      this.#o.bus.sourceRestarted(entry.name);
      this.#o.bus.sourceStarting(entry.name, valid.resolved);
    }
    await this.#startTask(entry, slot);
  }

  /** Worker groups: one task stopped (committing what it can) and started again with the same config. */
  async #restartSlot(entry: ConnectorEntry, slot: TaskSlot): Promise<void> {
    await this.#release(entry, [slot]);
    if (this.#connectors.get(entry.name) !== entry) return;
    const failures = slot.failures;
    await this.#startAssignedTask(entry, slot.id, slot.stored ?? slot.config);
    const fresh = entry.tasks.find((t) => t.id === slot.id);
    if (fresh && fresh.failures < failures) fresh.failures = failures;
  }

  /**
   * Stops these tasks after a commit of their own: sources pause (nothing new is polled) and what
   * they sent is committed, sinks flush (complete their open files) and commit. The bus's
   * producer or subscription of the connector goes with its last task here.
   */
  async #release(entry: ConnectorEntry, slots: readonly TaskSlot[]): Promise<void> {
    if (slots.length === 0) return;
    const runners = new Set(slots.flatMap((s) => (s.runner ? [s.runner] : [])));
    for (const runner of runners) if (runner instanceof SourceTaskRunner) runner.pause();
    await this.#committer.commitOnly(runners);
    await Promise.all(slots.map(async (slot) => {
      clearTimeout(slot.restartTimer);
      await slot.runner?.stop(this.#o.shutdownTimeoutMs);
    }));
    entry.tasks = entry.tasks.filter((t) => !slots.includes(t));
    if (entry.tasks.length > 0) return;
    if (entry.feeds) await this.#o.bus.unsubscribe(entry.name);
    entry.feeds = undefined;
    entry.feedsTaken = undefined;
    if (slots.some((s) => s.runner instanceof SourceTaskRunner)) await this.#o.bus.sourceStopped(entry.name);
  }

  /**
   * Worker groups: the sink feed of one task. A subscription hands out one feed per task of the
   * connector, each reading its own share of the partitions (by the task count); a task started
   * again, or a new count, takes a fresh subscription, and the unused feeds of the old one close.
   */
  #feedFor(entry: ConnectorEntry, id: number): SinkFeed | undefined {
    const valid = entry.valid;
    if (valid?.connector.kind !== 'sink') return undefined;
    const count = entry.assigned!.taskCount;
    if (!entry.feeds || !entry.feedsTaken || entry.feedsTaken.has(id) || entry.feeds.length !== count) {
      entry.feeds?.forEach((feed, i) => { if (!entry.feedsTaken?.has(i)) feed.close(); });
      entry.matches = topicMatcher(valid.parsed);
      entry.feeds = this.#o.bus.subscribe({ connector: entry.name, tasks: count, matches: entry.matches, config: valid.resolved });
      entry.feedsTaken = new Set();
    }
    entry.feedsTaken.add(id);
    return entry.feeds[id];
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
    if (entry.assigned) return this.#startAssigned(entry);
    const valid = await this.#prepare(entry);
    if (!valid || !(await this.#computeTaskConfigs(entry, valid))) return;
    if (valid.connector.kind === 'sink') {
      entry.matches = topicMatcher(valid.parsed);
      entry.feeds = this.#o.bus.subscribe({ connector: name, tasks: entry.taskConfigs.length, matches: entry.matches, config: valid.resolved });
    }
    // a source starting again replays from its committed offset: what it held is sent again
    if (valid.connector.kind === 'source') {
      this.#o.bus.sourceRestarted(name);
      this.#o.bus.sourceStarting(name, valid.resolved);
    }
    entry.tasks = entry.taskConfigs.map((config, id) => ({ id, config, state: 'UNASSIGNED', failures: this.#previousFailures(name, id), startedAt: Date.now() }));
    for (const slot of entry.tasks) await this.#startTask(entry, slot);
  }

  /**
   * Checks the connector's config against its plugin's spec and finds the plugin (what its tasks
   * are made from); an invalid config is the connector's failure (`entry.failure`).
   */
  async #prepare(entry: ConnectorEntry): Promise<ValidatedConfig | undefined> {
    // the connector's own checks (connectivity) ran when the config was submitted; at start a
    // source that is down is for the task to wait for, with its retries, not a config error
    const { report, valid } = await validateConnector(this.#o.registry, entry.config, undefined, { connectorChecks: false });
    if (!entry.warned) {
      entry.warned = true;
      for (const w of report.warnings) this.#log.warn({ connector: entry.name, property: w.name, suggestion: w.suggestion }, w.message);
    }
    if (!valid) {
      const problems = reportErrors(report);
      // Written as describeError writes a TributaryError: the code first (docs/errors.md).
      entry.failure = `config.invalid: The connector configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
      this.#log.error({ connector: entry.name, code: 'config.invalid', problems }, 'connector configuration is invalid; connector FAILED');
      return undefined;
    }
    entry.connector = valid.connector;
    entry.valid = valid;
    return valid;
  }

  /** Runs the connector's `taskConfigs` and reports them to the listeners; false if it failed (a restart is scheduled). */
  async #computeTaskConfigs(entry: ConnectorEntry, valid: ValidatedConfig): Promise<boolean> {
    try {
      entry.taskConfigs = await valid.connector.taskConfigs(valid.parsed, valid.resolved, Number(valid.parsed['tasks.max'] ?? 1));
    } catch (error) {
      entry.failure = describeError(error);
      this.#log.error({ connector: entry.name, err: error }, 'connector failed to compute task configs');
      this.#scheduleConnectorRestart(entry, error);
      return false;
    }
    entry.connectorRestart = undefined;
    // Task configs inherit the framework properties so each task sees its transforms and policies.
    entry.taskConfigs = entry.taskConfigs.map((tc) => ({ ...valid.resolved, ...tc }));
    for (const listener of this.#taskConfigListeners) listener(entry.name, storableTaskConfigs(entry.config, valid.resolved, entry.taskConfigs));
    return true;
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
        if (!entry.assigned) return this.#restartComponent([entry.name], () => {});
        if (entry.assigned.connector && entry.target !== 'STOPPED') await this.#startConnector(entry);
        this.#publishStatus(entry);
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
    // fenced meanwhile (worker groups): the entry is gone, and so is the work
    if (this.#connectors.get(entry.name) !== entry) return;
    const connector = entry.connector!;
    const feed = entry.assigned ? this.#feedFor(entry, slot.id) : entry.feeds?.[slot.id];
    const sink = feed ? { feed, deadLetterReplay: this.#deadLetterReplayOf(entry.name) } : undefined;
    const deps = { bus: this.#o.bus, offsets: this.#o.offsets, logs: this.#o.logs, metrics: this.#o.metrics, requestCommit: () => void this.#committer.commit() };
    slot.startedAt = Date.now();
    try {
      slot.runner = createTaskRunner(deps, connector, entry.name, slot.id, slot.config, sink);
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
        // worker groups: the task alone (a Kafka bus links no connectors); standalone: its component
        if (entry.assigned) await this.#restartSlot(entry, slot);
        else await this.#restartComponent([entry.name], () => {});
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
      if (this.#connectors.get(entry.name) !== entry || !entry.tasks.includes(slot)) return;
      if (entry.assigned) await this.#restartSlot(entry, slot);
      else await this.#restartComponent([entry.name], () => {});
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
