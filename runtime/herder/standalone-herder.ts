import { WorkerHerder } from './worker-herder.js';
import {
  droppedMessage, fileOf, planStartup, replacedRestMessage, startupSummary, unknownOriginMessage, type StartupConnector,
} from './startup-connectors.js';

/**
 * The standalone control plane: one worker, connector configs and target states kept in the
 * state directory (so REST-created connectors survive a restart), offsets in the offset file.
 */
export class StandaloneHerder extends WorkerHerder {
  /**
   * Reconciles the stored connectors with the ones given at start-up (`planStartup`: the command
   * line is the source of truth for the connectors it names, REST-created ones are kept), says in
   * the log what it did, and starts them. Sinks start before sources: the embedded bus keeps no
   * log, so a sink only receives what is published after it subscribed.
   */
  async start(initial: StartupConnector[] = []): Promise<void> {
    await this.configs.start();
    const plan = planStartup(this.configs.connectors(), initial);
    const configDir = this.configs.location;
    for (const dropped of plan.dropped) {
      await this.configs.removeConnector(dropped.name);
      this.log.info({ connector: dropped.name, file: fileOf(dropped.origin) }, droppedMessage(dropped));
    }
    for (const g of plan.given) {
      if (g.previous?.origin?.type === 'rest') this.log.warn({ connector: g.name, file: fileOf(g.origin) }, replacedRestMessage(g.name, fileOf(g.origin)));
    }
    for (const kept of plan.kept) if (kept.origin === undefined) this.log.warn({ connector: kept.name }, unknownOriginMessage(kept.name, configDir));
    const work = [
      ...plan.kept.map((s) => ({ order: this.startOrder(s.config), run: async () => {
        await this.serialized(() => this.apply(s, undefined));
      } })),
      ...plan.given.map((g) => ({ order: this.startOrder(g.config), run: async () => {
        await this.put(g.name, g.config, { allowReplace: true, initialState: g.previous?.targetState ?? 'RUNNING', origin: g.origin, atStartUp: true });
      } })),
    ].sort((a, b) => a.order - b.order);
    for (const w of work) await w.run();
    const summary = startupSummary([...this.applied.keys()].sort().map((name) => this.applied.get(name)!), configDir);
    this.log.info(summary.fields, summary.message);
    this.setReady(true);
  }
}
