/**
 * Drops the records a Tributary source sent to Kafka twice. A source that restarts (a crash, a
 * kill -9, a rebalance) resends what it produced after its last committed offset: Kafka then
 * holds those records twice, at later offsets. Each record a Tributary source produces carries
 * its source stream — the connector, and the task for tasks other than 0 (`<connector>#<task>`)
 * — and its source position in headers (`tributary.source`, `tributary.position`); within one
 * Kafka partition, the records of one task arrive in position order (the tasks of one connector
 * interleave), so a record whose position is not above the highest one already taken from that
 * partition and stream is a resend, and is skipped.
 *
 * The highest positions survive a sink restart in the consumer group's commit metadata: each
 * committed offset carries the highest position per source among the records before it (not
 * among all delivered: records past the committed offset are read again and must be taken again).
 *
 * What it cannot see: records without the headers (written by Kafka Connect or any other
 * producer) pass as they are; a keyless record resent may land in another partition than the
 * first time, where it is not recognised (keyed records, as every table with a primary key
 * gives, always land in the same partition).
 */
export const SOURCE_HEADER = 'tributary.source';
export const POSITION_HEADER = 'tributary.position';

/** The commit metadata format (Kafka allows 4096 bytes by default: `offset.metadata.max.bytes`). */
interface ReplayMetadata {
  /** highest position per source connector */
  tributary: Record<string, string>;
}

/** below Kafka's default offset.metadata.max.bytes (4096) */
const MAX_METADATA_CHARS = 4000;

/** Positions of the records taken since the last commit, per source, in offset order. */
interface Taken {
  offsets: number[];
  positions: string[];
}

class PartitionReplayState {
  /** the highest position per source among the records before the committed offset */
  readonly committed = new Map<string, string>();
  /** the highest position per source among all records taken */
  readonly highest = new Map<string, string>();
  readonly taken = new Map<string, Taken>();
}

export class ReplayFilter {
  readonly #partitions = new Map<string, PartitionReplayState>();

  /** Starts a partition from its commit metadata (null or foreign metadata: nothing known). */
  restore(partition: string, metadata: string | null | undefined): void {
    const state = new PartitionReplayState();
    this.#partitions.set(partition, state);
    const known = parseMetadata(metadata);
    for (const [source, position] of Object.entries(known)) {
      state.committed.set(source, position);
      state.highest.set(source, position);
    }
  }

  /** false: the record is a resend of one already taken from this partition. */
  admit(partition: string, offset: number, source: string, position: string): boolean {
    let state = this.#partitions.get(partition);
    if (!state) {
      state = new PartitionReplayState();
      this.#partitions.set(partition, state);
    }
    const highest = state.highest.get(source);
    if (highest !== undefined && position <= highest) return false;
    state.highest.set(source, position);
    let taken = state.taken.get(source);
    if (!taken) state.taken.set(source, (taken = { offsets: [], positions: [] }));
    taken.offsets.push(offset);
    taken.positions.push(position);
    return true;
  }

  /**
   * The metadata to commit with `offset` (everything before it is done), or null when nothing is
   * known. What was taken before `offset` is folded into the committed state and forgotten.
   */
  commitAt(partition: string, offset: number): string | null {
    const state = this.#partitions.get(partition);
    if (!state) return null;
    for (const [source, taken] of state.taken) {
      const below = countBelow(taken.offsets, offset);
      if (below === 0) continue;
      state.committed.set(source, taken.positions[below - 1]);
      taken.offsets.splice(0, below);
      taken.positions.splice(0, below);
    }
    if (state.committed.size === 0) return null;
    const metadata: ReplayMetadata = { tributary: Object.fromEntries(state.committed) };
    const text = JSON.stringify(metadata);
    // past the broker's limit the commit itself would fail: resends are then let through instead
    return text.length <= MAX_METADATA_CHARS ? text : null;
  }

  /** A partition read again from a changed offset (KIP-875 PATCH/DELETE): nothing known. */
  forget(partition: string): void {
    this.#partitions.delete(partition);
  }
}

/** How many of the ascending `offsets` are below `limit` (binary search). */
function countBelow(offsets: readonly number[], limit: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (offsets[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parseMetadata(metadata: string | null | undefined): Record<string, string> {
  if (!metadata) return {};
  try {
    const parsed = JSON.parse(metadata) as Partial<ReplayMetadata>;
    const known = parsed?.tributary;
    if (typeof known !== 'object' || known === null) return {};
    return Object.fromEntries(Object.entries(known).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    // metadata another consumer wrote (Kafka Connect writes an empty string)
    return {};
  }
}
