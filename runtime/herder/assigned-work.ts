import type { Logger } from '../../plugins/api/index.js';
import type { ClusterConfigStore } from '../storage/config-backing-store.js';
import type { ConnectorAssignment, Worker } from '../worker/worker.js';
import { NO_WORK, workMinus, workUnion, type ConnectorsAndTasks } from './group/connectors-and-tasks.js';

/**
 * What this worker runs in its group, kept in line with two inputs: the assignment in force
 * (which connectors and task ids) and the config topic (each connector's config, target state
 * and committed task configs). Every change of either brings the worker in line for the
 * connectors it touches, one change at a time; a task runs only with a committed config, so a
 * task whose configs are not committed yet (or incomplete) waits for them.
 */
export class AssignedWork {
  readonly #worker: Worker;
  readonly #configs: ClusterConfigStore;
  readonly #log: Logger;
  #work: ConnectorsAndTasks = NO_WORK;
  #chain: Promise<void> = Promise.resolve();

  constructor(worker: Worker, configs: ClusterConfigStore, log: Logger) {
    this.#worker = worker;
    this.#configs = configs;
    this.#log = log;
  }

  /** the assignment in force: what this worker runs (or is starting) */
  get work(): ConnectorsAndTasks {
    return this.#work;
  }

  runsConnector(name: string): boolean {
    return this.#work.connectors.includes(name);
  }

  runsTask(name: string, task: number): boolean {
    return this.#work.tasks.some((t) => t.connector === name && t.task === task);
  }

  /** From now on exactly `work`. */
  run(work: ConnectorsAndTasks): Promise<void> {
    const names = connectorsOf(workUnion(this.#work, work));
    this.#work = work;
    return this.#reconcile(names);
  }

  /** Stops `revoked` (committing what it holds) and resolves once it has. */
  release(revoked: ConnectorsAndTasks): Promise<void> {
    this.#work = workMinus(this.#work, revoked);
    return this.#reconcile(connectorsOf(revoked));
  }

  /** Stops everything now, without a commit (the worker fenced itself). */
  fence(): Promise<void> {
    this.#work = NO_WORK;
    return this.#worker.fence();
  }

  /** A connector's config, target state or task configs changed in the config topic. */
  refresh(name: string): Promise<void> {
    return this.#reconcile([name]);
  }

  #reconcile(names: readonly string[]): Promise<void> {
    const run = this.#chain.then(async () => {
      for (const name of names) {
        try {
          await this.#worker.assign(name, this.#assignmentOf(name));
        } catch (error) {
          this.#log.error({ connector: name, err: error }, 'could not bring the worker in line with its assignment');
        }
      }
    });
    this.#chain = run;
    return run;
  }

  #assignmentOf(name: string): ConnectorAssignment | undefined {
    const stored = this.#configs.connectors().find((c) => c.name === name);
    const connector = this.runsConnector(name);
    const ids = this.#work.tasks.filter((t) => t.connector === name).map((t) => t.task);
    if (!stored || (!connector && ids.length === 0)) return undefined;
    const committed = stored.targetState === 'STOPPED' ? [] : (this.#configs.taskConfigs(name) ?? []);
    const tasks = new Map(ids.filter((id) => id < committed.length).map((id) => [id, committed[id]]));
    return { config: stored.config, target: stored.targetState, connector, tasks, taskCount: committed.length };
  }
}

function connectorsOf(work: ConnectorsAndTasks): string[] {
  return [...new Set([...work.connectors, ...work.tasks.map((t) => t.connector)])];
}
