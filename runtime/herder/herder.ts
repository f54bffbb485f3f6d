import type { ConfigInfos, ConfigKeyInfo, RawConfig } from '../../plugins/api/index.js';

/** What an operator asked for; kept apart from what is observed (ConnectorState). */
export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** Observed state, as Kafka Connect reports it, plus RESTARTING while an automatic restart waits. */
export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

export interface TaskStatus {
  id: number;
  state: ConnectorState;
  worker_id: string;
  /** stack trace and cause chain of the last failure (FAILED, or RESTARTING after one) */
  trace?: string;
  /** progress of long work the task reported (snapshot rows per table) */
  progress?: Record<string, unknown>;
  /** a condition that needs an operator while the task runs (a source holding its offsets) */
  warning?: string;
}

/** The body of GET /connectors/{name}/status. */
export interface ConnectorStateInfo {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type: 'source' | 'sink';
}

/** The body of GET /connectors/{name}. */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: { connector: string; task: number }[];
  type: 'source' | 'sink';
}

export interface TaskInfo {
  id: { connector: string; task: number };
  config: Record<string, string>;
}

export interface PluginInfo {
  class: string;
  type: 'source' | 'sink' | 'transformation' | 'predicate' | 'converter';
  version: string;
}

/** KIP-875 offsets: GET body and PATCH body share this shape; offset null deletes a partition. */
export interface ConnectorOffsets {
  offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[];
}

/** The body of GET /connectors/{name}/topics (KIP-558), keyed by the connector's name. */
export type ActiveTopicsInfo = Record<string, { connector: string; topics: string[] }>;

export interface LoggerLevel {
  level: string;
  last_modified?: number | null;
}

/**
 * The control plane. REST routes and the CLI are thin wrappers over these calls; every failure
 * is a TributaryError whose code the REST layer maps to a status (connector.not_found → 404,
 * connector.exists → 409, config.invalid → 400 with every problem, connector.not_stopped → 400).
 * Config values of sensitive properties are returned as "[hidden]".
 */
export interface Herder {
  readonly workerId: string;
  /** true once start-up (loading stored connectors) has finished; /health answers 503 before */
  ready(): boolean;

  connectors(): Promise<string[]>;
  connectorInfo(name: string): Promise<ConnectorInfo>;
  connectorConfig(name: string): Promise<Record<string, string>>;
  /**
   * Creates or replaces a connector. `allowReplace=false` (POST /connectors) refuses an existing
   * name with connector.exists. Invalid config → config.invalid listing every problem.
   */
  putConnectorConfig(name: string, config: RawConfig, allowReplace: boolean, initialState?: TargetState): Promise<{ created: boolean; info: ConnectorInfo }>;
  /** Merges the given properties into the stored config; a null value removes the property. */
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;

  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  taskConfigs(name: string): Promise<TaskInfo[]>;
  taskStatus(name: string, task: number): Promise<TaskStatus>;

  /** Restarts the connector, and with includeTasks its tasks (only FAILED ones with onlyFailed). */
  restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo>;
  restartTask(name: string, task: number): Promise<void>;
  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  stopConnector(name: string): Promise<void>;

  /**
   * Incremental snapshots (a Tributary extension of the REST API): a Debezium signal
   * (`execute-snapshot`, `stop-snapshot`, `pause-snapshot`, `resume-snapshot`, `log`) for the
   * connector's task 0, which queues it in its source's order. Rejects with signal.invalid /
   * signal.unsupported, or task.not_found while no task runs.
   */
  signalConnector(name: string, signal: ConnectorSignal): Promise<void>;
  /** What the connector's incremental snapshot has done and has left; null when none runs. */
  snapshotProgress(name: string): Promise<Record<string, unknown> | null>;

  /** KIP-558: topics the connector has produced to (source) or consumed from (sink) since the last reset. */
  connectorActiveTopics(name: string): Promise<ActiveTopicsInfo>;
  resetConnectorActiveTopics(name: string): Promise<void>;

  connectorOffsets(name: string): Promise<ConnectorOffsets>;
  /** Only while STOPPED; otherwise connector.not_stopped. */
  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<void>;
  resetConnectorOffsets(name: string): Promise<void>;

  /**
   * Worker groups only: Kafka Connect's internal `POST /connectors/{c}/tasks`, the task configs a
   * connector computed on another worker, signed with the group's session key (on the leader).
   */
  putTaskConfigs?(name: string, configs: RawConfig[], signature: { signature: string | undefined; algorithm: string | undefined }): Promise<void>;

  plugins(options: { connectorsOnly: boolean }): PluginInfo[];
  pluginConfig(pluginClass: string): ConfigKeyInfo[];
  validateConnectorConfig(pluginClass: string | undefined, config: RawConfig): Promise<ConfigInfos>;
}

/** A Debezium signal as the REST API takes it: `data` as an object (the signal table holds it as JSON text). */
export interface ConnectorSignal {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}
