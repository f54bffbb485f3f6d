/**
 * The unit of work a worker group hands out: connectors (each runs its connector instance, which
 * computes task configs) and their tasks. Kafka Connect calls this `ConnectorsAndTasks`.
 *
 * The assignor works on item keys (one string per connector or task) so one balancing and one set
 * arithmetic serve both kinds; keys are JSON arrays, `["name"]` for a connector and
 * `["name",3]` for its task 3, so no connector name can collide with another key.
 */
export interface ConnectorTaskId {
  readonly connector: string;
  readonly task: number;
}

export interface ConnectorsAndTasks {
  readonly connectors: readonly string[];
  readonly tasks: readonly ConnectorTaskId[];
}

/** One worker's work, by the worker's id. */
export interface WorkerWork {
  readonly workerId: string;
  readonly work: ConnectorsAndTasks;
}

/**
 * What every worker of a group was given, and departed workers' work held back in case they
 * return. `Held` says when the held-back work is due: a deadline in the leader's memory, the time
 * remaining on the wire (clocks differ between workers).
 */
export interface GroupWork<Held extends WorkerWork> {
  /** by worker id */
  readonly workers: ReadonlyMap<string, ConnectorsAndTasks>;
  readonly heldBack: readonly Held[];
}

export const NO_WORK: ConnectorsAndTasks = Object.freeze({ connectors: Object.freeze([]), tasks: Object.freeze([]) });

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTaskIds(a: ConnectorTaskId, b: ConnectorTaskId): number {
  return compareText(a.connector, b.connector) || a.task - b.task;
}

export const connectorKey = (connector: string): string => JSON.stringify([connector]);
export const taskKey = (id: ConnectorTaskId): string => JSON.stringify([id.connector, id.task]);

export function workKeys(work: ConnectorsAndTasks): string[] {
  return [...work.connectors.map(connectorKey), ...work.tasks.map(taskKey)];
}

/** The work named by `keys`, sorted (connectors by name, tasks by connector then number). */
export function workFromKeys(keys: Iterable<string>): ConnectorsAndTasks {
  const connectors: string[] = [];
  const tasks: ConnectorTaskId[] = [];
  for (const key of keys) {
    const [connector, task] = JSON.parse(key) as [string, number?];
    if (task === undefined) connectors.push(connector);
    else tasks.push({ connector, task });
  }
  return { connectors: connectors.sort(compareText), tasks: tasks.sort(compareTaskIds) };
}

export function workSize(work: ConnectorsAndTasks): number {
  return work.connectors.length + work.tasks.length;
}

export function isNoWork(work: ConnectorsAndTasks): boolean {
  return workSize(work) === 0;
}

/** What `a` holds that `b` does not. */
export function workMinus(a: ConnectorsAndTasks, b: ConnectorsAndTasks): ConnectorsAndTasks {
  const drop = new Set(workKeys(b));
  return workFromKeys(workKeys(a).filter((k) => !drop.has(k)));
}

/** What both hold. */
export function workIntersection(a: ConnectorsAndTasks, b: ConnectorsAndTasks): ConnectorsAndTasks {
  const keep = new Set(workKeys(b));
  return workFromKeys(workKeys(a).filter((k) => keep.has(k)));
}

export function workUnion(a: ConnectorsAndTasks, b: ConnectorsAndTasks): ConnectorsAndTasks {
  return workFromKeys(new Set([...workKeys(a), ...workKeys(b)]));
}

/** `orders, orders-0, orders-1` (a connector, then its tasks by number) for log lines */
export function describeWork(work: ConnectorsAndTasks): string {
  return [...work.connectors, ...work.tasks.map((t) => `${t.connector}-${t.task}`)].join(', ') || 'nothing';
}
