import type { RawConfig } from '../../plugins/api/index.js';
import type { ConfigChange } from '../storage/config-backing-store.js';
import { sameConfig, WorkerHerder } from './worker-herder.js';

/**
 * The distributed control plane, before worker groups: connector configs, task configs and
 * target states live in the config topic, offsets and statuses in theirs, and this worker runs
 * every connector the config topic holds. REST writes go to the topic first; a change another
 * process wrote (a second worker's REST call, `connect-configs` edited by Kafka Connect's tools)
 * is applied when the store reads it. Membership and assignment over Kafka's group protocol, so
 * that several workers share the connectors, come with worker groups (docs/architecture.md,
 * "Distributed mode").
 */
export class DistributedHerder extends WorkerHerder {
  readonly #stopListening: (() => void)[] = [];

  /** Starts what the config store holds, sinks first. The stores were started (read to their ends) by the caller. */
  async start(): Promise<void> {
    const stored = this.configs.connectors();
    const sinksFirst = [...stored].sort((a, b) => this.startOrder(a.config) - this.startOrder(b.config));
    for (const connector of sinksFirst) await this.serialized(() => this.apply(connector, undefined));
    this.#stopListening.push(
      this.configs.onChange((change) => this.#changed(change)),
      this.worker.onTaskConfigs((name, configs) => this.#taskConfigsComputed(name, configs)),
    );
    this.log.info({ connectors: stored.map((c) => c.name) }, `started ${stored.length} connector(s) from the config topic`);
    this.setReady(true);
  }

  override async stop(): Promise<void> {
    for (const stop of this.#stopListening.splice(0)) stop();
    await super.stop();
  }

  /**
   * A record read from the config topic: the worker is brought in line with what is stored now.
   * This herder's own writes arrive here too, after they were applied, and change nothing.
   */
  #changed(change: ConfigChange): void {
    if (change.kind === 'tasks') return;
    void this.serialized(async () => {
      const stored = this.configs.connectors().find((c) => c.name === change.name);
      const current = this.applied.get(change.name);
      if (!stored) return this.unapply(change.name);
      if (current && current.targetState === stored.targetState && sameConfig(current.config, stored.config)) return;
      this.log.info({ connector: change.name }, current ? 'connector config changed in the config topic' : 'connector added in the config topic');
      await this.apply(stored, current);
    }).catch((error: unknown) => this.log.error({ connector: change.name, err: error }, 'could not apply a change read from the config topic'));
  }

  /** Kafka Connect's workers find task configs in the config topic (`task-<c>-<n>`, `commit-<c>`): so does this one. */
  #taskConfigsComputed(name: string, configs: RawConfig[]): void {
    const stored = this.configs.taskConfigs(name);
    if (stored && stored.length === configs.length && stored.every((c, i) => sameConfig(c, configs[i]))) return;
    this.configs.putTaskConfigs(name, configs).catch((error: unknown) => this.log.warn({ connector: name, err: error }, 'could not write task configs to the config topic'));
  }
}
