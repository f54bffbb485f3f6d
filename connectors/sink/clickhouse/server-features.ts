/**
 * What a ClickHouse server can do, from its version (`SELECT version()`). The sink picks column
 * types and engines from this, so the DDL it generates runs on the server it talks to; the
 * versions are those of the ClickHouse changelog where each feature became generally usable.
 */
export interface ServerFeatures {
  readonly version: string;
  /** DateTime64(p, tz): 20.1 */
  readonly dateTime64: boolean;
  /** Date32 (1900-01-01 … 2299-12-31): 21.9 */
  readonly date32: boolean;
  /** Bool: 22.1 (21.12 added it behind a flag) */
  readonly bool: boolean;
  /** ReplacingMergeTree(ver, is_deleted): 23.2 */
  readonly isDeleted: boolean;
}

export function featuresOf(version: string): ServerFeatures {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b);
  return {
    version,
    dateTime64: atLeast(20, 1),
    date32: atLeast(21, 9),
    bool: atLeast(22, 1),
    isDeleted: atLeast(23, 2),
  };
}
