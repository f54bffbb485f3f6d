import type { RawConfig } from '../../plugins/api/index.js';
import type { StoredConnector } from './config-store.js';

/** What changed in the config store (a Kafka store also reports what other workers wrote). */
export type ConfigChange =
  | { kind: 'connector'; name: string }
  | { kind: 'removed'; name: string }
  | { kind: 'tasks'; name: string };

/**
 * Connector configs, their target states and task configs, as Kafka Connect's
 * ConfigBackingStore: files in `state.dir` in standalone mode, the `connect-configs` topic in
 * distributed mode. Configs keep `${provider:...}` references unresolved, so secrets never reach
 * the store.
 */
export interface ConfigBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** where the configs are kept, for log lines (undefined: nowhere, in memory only) */
  readonly location: string | undefined;
  /** every stored connector, by name order */
  connectors(): StoredConnector[];
  /** Writes a connector's config, target state and origin (replacing what was there). */
  putConnector(connector: StoredConnector): Promise<void>;
  removeConnector(name: string): Promise<void>;
  /** the connector's task configs as last written (undefined: none yet) */
  taskConfigs(name: string): RawConfig[] | undefined;
  putTaskConfigs(name: string, configs: readonly RawConfig[]): Promise<void>;
  /** Calls `listener` after every change (own writes included); returns its removal. */
  onChange(listener: (change: ConfigChange) => void): () => void;
}
