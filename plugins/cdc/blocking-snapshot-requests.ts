import type { Logger } from '../api/index.js';
import type { BlockingSnapshotSignal } from './incremental-signal-actions.js';

/** What a blocking snapshot reads: `container.table` names, and a filter (SQL) per table. */
export interface BlockingScope {
  readonly collections: readonly string[];
  readonly conditions: Readonly<Record<string, string>>;
}

/**
 * The blocking snapshot a source was asked for and not yet begun, and the progress of the one it
 * runs: what the PostgreSQL and MySQL sources share of Debezium's blocking snapshots (each stops
 * its stream and reads in its own way, connectors/source/{postgres,mysql}/blocking-snapshot.ts).
 * Tables of a second signal that arrives before the snapshot begins join it.
 */
export class BlockingSnapshotRequests {
  #requested: BlockingScope | null = null;
  #progress: Record<string, unknown> | null = null;

  constructor(private readonly logger: Logger, private readonly setProgress: (progress: Record<string, unknown> | null) => void) {}

  get requested(): boolean {
    return this.#requested !== null;
  }

  /** A signal from the stream: the snapshot starts at the end of its transaction. */
  request(signal: BlockingSnapshotSignal): void {
    const scope = this.#requested ?? { collections: [], conditions: {} };
    const collections = [...scope.collections, ...signal.collections.filter((c) => !scope.collections.includes(c))];
    this.#requested = { collections, conditions: { ...scope.conditions, ...Object.fromEntries(signal.conditions) } };
    this.logger.info({ signal: signal.id, collections }, 'blocking snapshot requested: the stream stops after this transaction until the snapshot ends');
  }

  /** The requested scope, now begun (null: none was requested). */
  take(): BlockingScope | null {
    const scope = this.#requested;
    this.#requested = null;
    return scope;
  }

  /** `GET /connectors/{name}/snapshots` while one runs */
  progress(): Record<string, unknown> | null {
    return this.#progress;
  }

  /** the running snapshot's state (`starting`, `running` with the snapshot runner's progress) for status; null: over */
  report(scope: BlockingScope | null, state: 'starting' | 'running' = 'running', progress: Record<string, unknown> | null = null): void {
    this.#progress = scope ? { type: 'blocking', state, collections: scope.collections, ...progress } : null;
    this.setProgress(this.#progress);
  }
}
