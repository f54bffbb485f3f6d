import { TributaryError } from '../../plugins/api/index.js';
import type { ConnectorInfo, ConnectorOffsets, ConnectorState, ConnectorStateInfo, TargetState, TaskInfo, TaskStatus } from '../../runtime/herder/herder.js';
import type { FakePlugin } from './fake-plugins.js';

type OffsetEntry = ConnectorOffsets['offsets'][number];

/** How long the fake takes to reach a requested state: long enough that callers must poll. */
const SETTLE_MS = 30;

/** One connector of the FakeHerder: desired state, observed state, tasks and offsets. */
export class FakeConnector {
  readonly name: string;
  readonly #workerId: string;
  plugin: FakePlugin;
  config: Record<string, string>;
  #target: TargetState;
  #observed: ConnectorState = 'UNASSIGNED';
  #tasks: ConnectorState[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #offsets = new Map<string, OffsetEntry>();
  /** KIP-558 active topics: a running source produces to `topic`, a running sink consumes `topics` */
  readonly topics = new Set<string>();
  /** when offsets last advanced; set only while observed RUNNING */
  #lastAdvance: number | undefined;

  constructor(name: string, plugin: FakePlugin, config: Record<string, string>, target: TargetState, workerId: string) {
    this.name = name;
    this.plugin = plugin;
    this.config = config;
    this.#target = target;
    this.#workerId = workerId;
    this.#settleSoon();
  }

  get #taskCount(): number {
    return Number(this.config['tasks.max'] ?? '1');
  }

  info(): ConnectorInfo {
    const count = this.#target === 'STOPPED' ? 0 : this.#taskCount;
    return { name: this.name, config: { ...this.config }, tasks: Array.from({ length: count }, (_, task) => ({ connector: this.name, task })), type: this.plugin.kind };
  }

  status(): ConnectorStateInfo {
    return {
      name: this.name,
      connector: { state: this.#observed, worker_id: this.#workerId },
      tasks: this.#tasks.map((state, id) => ({ id, state, worker_id: this.#workerId })),
      type: this.plugin.kind,
    };
  }

  taskStatus(task: number): TaskStatus {
    const state = this.#tasks[task];
    if (state === undefined) throw new TributaryError('task.not_found', `Connector ${this.name} has no task ${task}`);
    return { id: task, state, worker_id: this.#workerId };
  }

  taskInfos(): TaskInfo[] {
    return this.info().tasks.map((id) => ({ id, config: { ...this.config, 'task.class': this.plugin.className, 'task.id': String(id.task) } }));
  }

  reconfigure(plugin: FakePlugin, config: Record<string, string>): void {
    this.plugin = plugin;
    this.config = config;
    this.#settleSoon();
  }

  setTarget(target: TargetState): void {
    this.#target = target;
    this.#settleSoon();
  }

  restart(options: { includeTasks: boolean; onlyFailed: boolean }): ConnectorStateInfo {
    if (!options.onlyFailed || this.#observed === 'FAILED') this.#setObserved('RESTARTING');
    if (options.includeTasks) this.#tasks = this.#tasks.map((s) => (!options.onlyFailed || s === 'FAILED' ? 'RESTARTING' : s));
    this.#settleSoon();
    return this.status();
  }

  restartTask(task: number): void {
    this.taskStatus(task);
    this.#tasks[task] = 'RESTARTING';
    this.#settleSoon();
  }

  offsets(): ConnectorOffsets {
    this.#advance();
    return { offsets: [...this.#offsets.values()].map((e) => structuredClone(e)) };
  }

  alterOffsets(request: ConnectorOffsets): void {
    this.#requireStopped();
    for (const entry of request.offsets) {
      const key = JSON.stringify(entry.partition);
      if (entry.offset === null) this.#offsets.delete(key);
      else this.#offsets.set(key, structuredClone(entry));
    }
  }

  resetOffsets(): void {
    this.#requireStopped();
    this.#offsets.clear();
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }

  #requireStopped(): void {
    if (this.#target !== 'STOPPED') {
      throw new TributaryError('connector.not_stopped', `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${this.name}/stop' endpoint`);
    }
  }

  #settleSoon(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#setObserved(this.#target);
      this.#tasks = this.#target === 'STOPPED' ? [] : Array.from({ length: this.#taskCount }, () => this.#target);
      if (this.#target === 'RUNNING') for (const t of (this.config.topic ?? this.config.topics ?? '').split(',')) if (t) this.topics.add(t);
    }, SETTLE_MS);
    this.#timer.unref();
  }

  #setObserved(state: ConnectorState): void {
    this.#advance();
    this.#observed = state;
    this.#lastAdvance = state === 'RUNNING' ? Date.now() : undefined;
  }

  /** A running datagen source commits one offset per task, `rows.per.second` rows a second. */
  #advance(): void {
    if (this.plugin.kind !== 'source' || this.#lastAdvance === undefined) return;
    const rate = Number(this.config['rows.per.second'] ?? '10') || 1000;
    const rows = Math.floor(((Date.now() - this.#lastAdvance) * rate) / 1000);
    if (rows === 0) return;
    this.#lastAdvance += (rows * 1000) / rate;
    for (let task = 0; task < this.#taskCount; task++) {
      const partition = { connector: this.name, task };
      const key = JSON.stringify(partition);
      const previous = this.#offsets.get(key)?.offset?.position;
      this.#offsets.set(key, { partition, offset: { position: (typeof previous === 'number' ? previous : 0) + rows } });
    }
  }
}
