import type { SourceOffset, SourcePartition } from '../../plugins/api/index.js';

export interface SourceOffsetEntry {
  partition: SourcePartition;
  offset: SourceOffset;
}

/**
 * Source offsets per connector and source partition, and — embedded mode only — each sink's
 * durable bound per topic and source (runtime/bus/durable-bound.ts). Both are written together in one commit so that after a
 * crash they agree with each other.
 */
export interface OffsetStore {
  /** Reads the stored state; fails with offsets.corrupt when nothing readable remains. */
  load(): Promise<void>;
  sourceOffset(connector: string, partition: SourcePartition): SourceOffset | null;
  sourceOffsets(connector: string): SourceOffsetEntry[];
  sinkPositions(connector: string): Map<string, string>;
  /**
   * Applies the changes and makes them durable before resolving. `offset: null` deletes a
   * partition; `sinkPositions` replaces the given connectors' maps (null removes the connector).
   */
  commit(changes: OffsetChanges): Promise<void>;
}

export interface OffsetChanges {
  source?: { connector: string; partition: SourcePartition; offset: SourceOffset | null }[];
  sinkPositions?: Map<string, Map<string, string> | null>;
  /** removes every source offset of these connectors (KIP-875 reset) */
  resetSources?: string[];
}
