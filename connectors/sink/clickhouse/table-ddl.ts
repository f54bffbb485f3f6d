import { baseType, quoteName, typeText, type ChType } from './clickhouse-types.js';
import type { ServerFeatures } from './server-features.js';

/**
 * DDL for the tables the sink creates. Pure functions of the layout and the server's features,
 * so the statements for servers this machine cannot run are unit-tested too.
 */
export type InsertMode = 'upsert' | 'append';

export interface ColumnDef {
  readonly name: string;
  readonly type: ChType;
}

/** Columns the sink adds to every row. */
export const META = {
  version: '_version',
  deleted: '_deleted',
  id: '_id',
  sourceTs: '_source_ts_ms',
} as const;

export function metaColumns(mode: InsertMode): ColumnDef[] {
  const ts: ColumnDef = { name: META.sourceTs, type: { kind: 'int', name: 'Int64' } };
  if (mode === 'upsert') return [{ name: META.version, type: { kind: 'int', name: 'UInt64' } }, { name: META.deleted, type: { kind: 'int', name: 'UInt8' } }, ts];
  return [{ name: META.id, type: { kind: 'string' } }, ts];
}

export interface TableLayout {
  readonly database: string;
  readonly table: string;
  readonly mode: InsertMode;
  /** the record's columns, in record order (metadata columns are added here) */
  readonly columns: readonly ColumnDef[];
  /** upsert: the key columns */
  readonly keys: readonly string[];
  /** append: the leading ORDER BY columns before _id */
  readonly orderBy?: readonly string[];
  /** append: the column whose day partitions the table, and how to get a DateTime of it */
  readonly partitionBy?: { readonly column: string; readonly secondsDivisor?: number };
}

export function qualified(database: string, table: string): string {
  return `${quoteName(database)}.${quoteName(table)}`;
}

/**
 * upsert: ReplacingMergeTree(_version[, _deleted]) ordered by the key — the newest version of a
 * key wins whatever order replays come in; append: ReplacingMergeTree ordered by (order.by…,
 * _id), so a replayed event collapses into its first copy. Sorting-key columns cannot be
 * Nullable: they are created without it.
 */
export function createTableSql(layout: TableLayout, features: ServerFeatures): string {
  const sortKey = layout.mode === 'upsert' ? layout.keys : [...(layout.orderBy ?? []), META.id];
  const inKey = new Set(sortKey);
  const columns = [...layout.columns, ...metaColumns(layout.mode)].map((c) => `  ${quoteName(c.name)} ${typeText(inKey.has(c.name) ? baseType(c.type) : c.type)}`);
  const engine = layout.mode === 'upsert'
    ? `ReplacingMergeTree(${META.version}${features.isDeleted ? `, ${META.deleted}` : ''})`
    : 'ReplacingMergeTree';
  const partition = layout.mode === 'append' ? partitionExpression(layout) : undefined;
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(layout.database, layout.table)} (`,
    columns.join(',\n'),
    `) ENGINE = ${engine}`,
    ...(partition ? [`PARTITION BY ${partition}`] : []),
    `ORDER BY (${sortKey.map(quoteName).join(', ')})`,
  ].join('\n');
}

function partitionExpression(layout: TableLayout): string {
  const p = layout.partitionBy ?? { column: META.sourceTs, secondsDivisor: 1000 };
  const col = layout.columns.find((c) => c.name === p.column);
  const value = col && col.type.kind === 'nullable' ? `assumeNotNull(${quoteName(p.column)})` : quoteName(p.column);
  return p.secondsDivisor ? `toYYYYMMDD(toDateTime(intDiv(${value}, ${p.secondsDivisor})))` : `toYYYYMMDD(${value})`;
}

/** The view of the current rows of an upsert table: `FINAL` and not deleted. */
export function latestViewSql(database: string, table: string): string[] {
  const view = qualified(database, `${table}_latest`);
  // FINAL ... WHERE, never PREWHERE: PREWHERE filters before the versions are collapsed
  return [`DROP TABLE IF EXISTS ${view}`, `CREATE VIEW ${view} AS SELECT * FROM ${qualified(database, table)} FINAL WHERE ${META.deleted} = 0`];
}

/** (18.16 has no ADD COLUMN IF NOT EXISTS: the caller adds only what the description lacks) */
export function addColumnSql(database: string, table: string, column: ColumnDef): string {
  return `ALTER TABLE ${qualified(database, table)} ADD COLUMN ${quoteName(column.name)} ${typeText(column.type)}`;
}

export function modifyColumnSql(database: string, table: string, column: ColumnDef): string {
  return `ALTER TABLE ${qualified(database, table)} MODIFY COLUMN ${quoteName(column.name)} ${typeText(column.type)}`;
}
