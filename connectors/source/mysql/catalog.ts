import type { RowDataPacket } from 'mysql2';
import type { MySqlClient } from './mysql-connection.js';
import type { ColumnDescriptor } from './mysql-table.js';

export interface CatalogTable {
  readonly db: string;
  readonly table: string;
  readonly estimatedRows: number | null;
}

/** The base tables of the server (not views), by database and name; the source filters them. */
export async function listTables(client: MySqlClient): Promise<CatalogTable[]> {
  const [rows] = await client.promise().query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_ROWS AS estimated FROM information_schema.TABLES
      WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')`);
  return rows.map((r) => ({ db: String(r.db), table: String(r.name), estimatedRows: r.estimated == null ? null : Number(r.estimated) }))
    // byte order of the names: the order snapshot positions encode
    .sort((a, b) => Buffer.compare(Buffer.from(`${a.db}.${a.table}`), Buffer.from(`${b.db}.${b.table}`)));
}

/** A table's shape as the catalog describes it. */
export interface TableShape {
  readonly columns: readonly ColumnDescriptor[];
  /** the primary key's columns in key order */
  readonly key: readonly string[];
}

/** A table's columns in order (with nullability and whether they are generated) and its primary key's columns in key order. */
export async function describeTable(client: MySqlClient, db: string, table: string): Promise<TableShape> {
  const [columns] = await client.promise().query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, EXTRA AS extra FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [db, table]);
  const [key] = await client.promise().query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`, [db, table]);
  return {
    columns: columns.map((c) => ({ name: String(c.name), columnType: String(c.type), optional: String(c.nullable) === 'YES', generated: /GENERATED/i.test(String(c.extra ?? '')) })),
    key: key.map((k) => String(k.name)),
  };
}
