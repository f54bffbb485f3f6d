import type { ConfigSpec, ConnectRecord, RawConfig } from '../../plugins/api/index.js';

/**
 * A single message transform (SMT), as in Kafka Connect: a pure function from one record to one
 * record or null (drop). It must keep every field of the record it does not change (spread the
 * input), because source records carry offsets and positions the runtime still needs.
 * A thrown error is a record error: the runtime applies `errors.tolerance` to it.
 */
export interface Transform {
  apply<R extends ConnectRecord>(record: R): R | null;
}

export interface Predicate {
  test(record: ConnectRecord): boolean;
}

/** A transform kind, registered under a short name and the Kafka Connect / Debezium class names. */
export interface TransformPlugin {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSpec: ConfigSpec;
  /** `config` holds the transform's own properties, without the `transforms.<alias>.` prefix */
  create(config: RawConfig): Transform;
}

export interface PredicatePlugin {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSpec: ConfigSpec;
  create(config: RawConfig): Predicate;
}
