import type { ConnectorState } from '../herder/herder.js';

/** Kafka Connect's status record of a connector or a task (what `connect-status` carries). */
export interface StatusRecord {
  state: ConnectorState;
  /** the failure (FAILED, RESTARTING) or the problem a RUNNING task is working around */
  trace?: string;
  workerId: string;
  /** the worker group's generation when written (0 in standalone mode): stale writes lose */
  generation: number;
}

export interface ConnectorStatuses {
  connector: StatusRecord;
  /** by task id */
  tasks: Map<number, StatusRecord>;
}

/**
 * Observed state of connectors and tasks, as Kafka Connect's StatusBackingStore: kept apart from
 * the desired state (the config store), written by the worker running each one, read by any
 * herder. In memory in standalone mode; the `connect-status` topic in distributed mode, where a
 * record with an older generation than the one stored is ignored (a fenced worker's late write).
 */
export interface StatusBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  putConnector(name: string, status: StatusRecord): void;
  putTask(name: string, task: number, status: StatusRecord): void;
  /** Forgets a task's status (its connector has fewer tasks now). */
  removeTask(name: string, task: number): void;
  /** Forgets a connector and all its tasks (it was deleted). */
  removeConnector(name: string): void;
  get(name: string): ConnectorStatuses | undefined;
}

/**
 * The status store of a worker group (the status topic), which also keeps the topics each
 * connector has used (KIP-558's `status-topic-<topic>:connector-<c>` records), so that any
 * worker answers GET /connectors/{c}/topics, whichever worker runs the connector's tasks.
 */
export interface ClusterStatusStore extends StatusBackingStore {
  putTopic(connector: string, topic: string, task: number): void;
  /** the topics recorded for the connector, sorted */
  topics(connector: string): string[];
  /** Forgets (tombstones) every topic recorded for the connector: a KIP-558 reset. */
  removeTopics(connector: string): void;
  /** the highest generation of any status read or written (-1: none): a group's writes must pass it */
  highestGeneration(): number;
}
