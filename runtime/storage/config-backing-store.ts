import type { RawConfig } from '../../plugins/api/index.js';
import type { StoredConnector } from './config-store.js';

/** What changed in the config store (a Kafka store also reports what other workers wrote). */
export type ConfigChange =
  | { kind: 'connector'; name: string }
  | { kind: 'removed'; name: string }
  | { kind: 'tasks'; name: string }
  /** a restart request (config topic only): each worker restarts what it runs of the connector */
  | { kind: 'restart'; name: string; includeTasks: boolean; onlyFailed: boolean };

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

/** The session key workers sign their internal requests with (Kafka Connect's, in the config topic). */
export interface SessionKey {
  readonly key: Buffer;
  /** Kafka Connect's name of the MAC algorithm, HmacSHA256 */
  readonly algorithm: string;
  readonly creationTimestamp: number;
}

/**
 * The config store of a worker group (the config topic), with what the group needs beyond a
 * ConfigBackingStore: how far it has been read, reading up to an offset (a member catching up
 * with its leader), the session key, and restart requests.
 */
export interface ClusterConfigStore extends ConfigBackingStore {
  /**
   * KIP-618 (exactly-once sources): while this worker leads, its writes go through a
   * transactional producer with this id (`connect-cluster-<group.id>`), so a new leader fences a
   * deposed one's writes; null when it does not lead.
   */
  useLeaderTransactions?(transactionalId: string | null): Promise<void>;
  /** the next offset to read: every record before it is applied */
  offset(): number;
  /** Reads until `offset()` ≥ `offset`; false if that did not happen within `timeoutMs`. */
  readTo(offset: number, timeoutMs: number): Promise<boolean>;
  /** Reads everything written before the call. */
  refresh(): Promise<void>;
  sessionKey(): SessionKey | undefined;
  putSessionKey(key: SessionKey): Promise<void>;
  putRestartRequest(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<void>;
}
