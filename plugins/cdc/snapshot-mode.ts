/**
 * Whether a CDC source snapshots at start, from Debezium's `snapshot.mode`, what the stored
 * offset says, and whether the server still has the position that offset names (a replication
 * slot, a binlog file or GTID set not yet purged). One decision for every source, so the modes
 * mean the same everywhere.
 *
 * - `initial`: snapshot when there is no offset, then stream;
 * - `initial_only`: the same snapshot, then no streaming;
 * - `when_needed`: like `initial`, and also a new snapshot when the offset's position is gone;
 * - `always`: a new snapshot at every start;
 * - `no_data` (Debezium's `never`, and `recovery`, which only rebuilds a schema history Tributary
 *   does not keep): never read table data, only stream.
 *
 * A snapshot interrupted by a crash resumes where its offset says while the position it streams
 * from is still there; when that is gone it starts over (it had not delivered any change yet).
 */
export type SnapshotModeName = 'initial' | 'initial_only' | 'when_needed' | 'always' | 'no_data';

/** What the stored offset says: none, a snapshot in progress, or a streaming position. */
export type StoredOffsetState = 'none' | 'snapshot' | 'streaming';

export type SnapshotDecision =
  | { readonly snapshot: 'none' | 'fresh' | 'resume'; readonly stream: boolean }
  /** the offset's position is gone and the mode does not allow a new snapshot */
  | { readonly snapshot: 'position_lost'; readonly stream: boolean };

export function decideSnapshot(mode: SnapshotModeName, offset: StoredOffsetState, positionAvailable: boolean): SnapshotDecision {
  const stream = mode !== 'initial_only';
  if (offset === 'snapshot') {
    if (positionAvailable) return { snapshot: 'resume', stream };
    return { snapshot: mode === 'no_data' ? 'none' : 'fresh', stream };
  }
  if (offset === 'none') return { snapshot: mode === 'no_data' ? 'none' : 'fresh', stream };
  if (!positionAvailable) {
    return { snapshot: mode === 'when_needed' || mode === 'always' ? 'fresh' : 'position_lost', stream };
  }
  return { snapshot: mode === 'always' ? 'fresh' : 'none', stream };
}
