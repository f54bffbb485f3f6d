import type { Queryable } from './pg-connection.js';
import type { ColumnDescriptor } from './table-schema.js';

export interface CatalogTable {
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
}

/**
 * Plain tables and leaf partitions (changes of a partitioned table are published under its
 * leaves, so the snapshot reads the leaves too), in a stable order.
 */
export async function listTables(client: Queryable): Promise<CatalogTable[]> {
  const { rows } = await client.query<{ oid: number; nspname: string; relname: string }>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY n.nspname, c.relname`,
  );
  return rows.map((r) => ({ oid: Number(r.oid), schema: r.nspname, table: r.relname }));
}

/** Columns in attnum order with their primary-key position (dropped columns left out). */
export async function tableColumns(client: Queryable, relationOid: number): Promise<ColumnDescriptor[]> {
  const { rows } = await client.query<{ attname: string; atttypid: number; atttypmod: number; pk: number | null }>(
    `SELECT a.attname, a.atttypid::int AS atttypid, a.atttypmod,
            (SELECT k.n::int FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
              WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum) AS pk
       FROM pg_attribute a
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [relationOid],
  );
  return rows.map((r) => ({ name: r.attname, typeOid: Number(r.atttypid), typmod: Number(r.atttypmod), pkPosition: Number(r.pk ?? 0) }));
}

/** Primary-key positions by column name, for a relation the stream describes. */
export async function primaryKeyPositions(client: Queryable, relationOid: number): Promise<Map<string, number>> {
  const columns = await tableColumns(client, relationOid);
  return new Map(columns.filter((c) => c.pkPosition > 0).map((c) => [c.name, c.pkPosition]));
}

/** The planner's row estimate (reltuples; -1 before the first ANALYZE, reported as unknown). */
export async function estimateRows(client: Queryable, relationOid: number): Promise<number | null> {
  const { rows } = await client.query<{ reltuples: number }>('SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = $1', [relationOid]);
  const n = Number(rows[0]?.reltuples ?? -1);
  return n < 0 ? null : Math.round(n);
}
