import type { Bus } from '../bus/bus.js';
import type { ClusterStatusStore } from '../storage/status-backing-store.js';

/**
 * KIP-558 in a worker group: the bus tracks the topics of the tasks running here; this copies
 * each new one to the status topic, where every worker reads it. A topic copied before that is
 * gone from the status topic was reset (PUT /topics/reset on any worker): the bus forgets it
 * too, and records it again once a task uses it again.
 */
export class ActiveTopicsSync {
  readonly #bus: Bus;
  readonly #statuses: ClusterStatusStore;
  /** per connector, the topics this worker copied to the status topic */
  readonly #copied = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(bus: Bus, statuses: ClusterStatusStore) {
    this.#bus = bus;
    this.#statuses = statuses;
  }

  /** Copies every `intervalMs` for the connectors `running()` names. */
  start(running: () => Iterable<string>, intervalMs = 1_000): void {
    this.#timer = setInterval(() => { for (const name of running()) this.sync(name); }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  sync(name: string): void {
    const stored = new Set(this.#statuses.topics(name));
    const copied = this.#copied.get(name) ?? new Set<string>();
    if ([...copied].some((t) => !stored.has(t))) {
      this.#bus.resetActiveTopics(name);
      this.#copied.delete(name);
      return;
    }
    for (const topic of this.#bus.activeTopics(name)) {
      if (stored.has(topic)) continue;
      this.#statuses.putTopic(name, topic, 0);
      copied.add(topic);
      this.#copied.set(name, copied);
    }
  }

  /** The topics of the connector: the status topic's and this worker's own. */
  topics(name: string): string[] {
    return [...new Set([...this.#statuses.topics(name), ...this.#bus.activeTopics(name)])].sort();
  }

  reset(name: string): void {
    this.#statuses.removeTopics(name);
    this.#bus.resetActiveTopics(name);
    this.#copied.delete(name);
  }
}
