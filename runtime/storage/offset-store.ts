import type { SourceOffset, SourcePartition } from '../../plugins/api/index.js';
import type { DurableBound } from '../bus/durable-bound.js';

export interface SourceOffsetEntry {
  partition: SourcePartition;
  offset: SourceOffset;
}

/** One source offset to write; `offset: null` deletes the partition's offset. */
export interface OffsetChange {
  connector: string;
  partition: SourcePartition;
  offset: SourceOffset | null;
}

/**
 * Source offsets per connector and source partition, as Kafka Connect's OffsetBackingStore:
 * a local file in standalone mode, the `connect-offsets` topic in distributed mode. Reads are
 * served from what `start` loaded plus what was written since (a Kafka store reads to the end).
 */
export interface OffsetBackingStore {
  /** Loads the stored state; fails with offsets.corrupt when nothing readable remains. */
  start(): Promise<void>;
  get(connector: string, partition: SourcePartition): Promise<SourceOffset | null>;
  connectorOffsets(connector: string): Promise<SourceOffsetEntry[]>;
  /** A store shared by workers (Kafka): resolves once what any worker wrote before the call is read. */
  refresh?(): Promise<void>;
  /**
   * Makes the changes durable before resolving; `reset` first removes every offset of those
   * connectors (KIP-875 DELETE). A failed write leaves what readers see unchanged.
   */
  set(changes: readonly OffsetChange[], options?: { reset?: readonly string[] }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Embedded mode only: what each sink connector holds durably, per topic and source, as exclusive
 * bounds (runtime/bus/durable-bound.ts). The memory bus keeps no log, so a replay must know what
 * not to hand a sink again; with Kafka the sink's consumer-group offsets say it instead.
 */
export interface SinkBoundStore {
  /** the stored bounds of a sink connector, keyed `topic\0source` (a copy) */
  sinkBounds(connector: string): Map<string, DurableBound>;
  /** Replaces the bounds of the given sink connectors (null removes them), durable before resolving. */
  setSinkBounds(bounds: ReadonlyMap<string, ReadonlyMap<string, DurableBound> | null>): Promise<void>;
}

/**
 * The offsets-topic partition under which an exactly-once task's transactions also store, per
 * topic, the position of the last record they committed (a runtime entry beside the connector's
 * own partitions; GET /connectors/{n}/offsets leaves it out, DELETE removes it with the rest).
 */
export function taskPositionPartition(task: number): SourcePartition {
  return { [TASK_POSITION_KEY]: task };
}

const TASK_POSITION_KEY = 'tributary.task';

/** Whether a stored source partition is the runtime's own (taskPositionPartition), not a connector's. */
export function isRuntimePartition(partition: SourcePartition): boolean {
  return Object.prototype.hasOwnProperty.call(partition, TASK_POSITION_KEY);
}
