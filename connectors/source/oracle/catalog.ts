import type { OracleColumn } from '../../shared/oracle-types/column-types.js';
import { SYSTEM_SCHEMAS } from './oracle-identifiers.js';
import type { SqlSession } from './sql-session.js';

export interface CatalogTable {
  readonly owner: string;
  readonly table: string;
  /** ALL_TABLES.NUM_ROWS (optimizer statistics), null when never gathered */
  readonly estimatedRows: number | null;
}

export interface TableShape {
  readonly columns: readonly OracleColumn[];
  /** primary key columns in key order; empty for a keyless table */
  readonly key: readonly string[];
}

/** The user tables visible to the connector's user, system schemas left out, in name order. */
export async function listTables(session: SqlSession): Promise<CatalogTable[]> {
  const { rows } = await session.execute("SELECT OWNER, TABLE_NAME, NUM_ROWS FROM ALL_TABLES WHERE TEMPORARY = 'N' AND NESTED = 'NO' AND SECONDARY = 'N' ORDER BY OWNER, TABLE_NAME");
  return rows
    .filter((r) => !SYSTEM_SCHEMAS.has(String(r.OWNER)))
    .map((r) => ({ owner: String(r.OWNER), table: String(r.TABLE_NAME), estimatedRows: r.NUM_ROWS === null ? null : Number(r.NUM_ROWS) }));
}

/** A table's columns (ALL_TAB_COLUMNS, in column order) and primary key (ALL_CONSTRAINTS type P). */
export async function describeTable(session: SqlSession, owner: string, table: string): Promise<TableShape> {
  const columns = await session.execute(
    'SELECT COLUMN_NAME, DATA_TYPE, DATA_PRECISION, DATA_SCALE, NULLABLE FROM ALL_TAB_COLUMNS WHERE OWNER = :1 AND TABLE_NAME = :2 ORDER BY COLUMN_ID',
    [owner, table],
  );
  const key = await session.execute(
    "SELECT CC.COLUMN_NAME FROM ALL_CONSTRAINTS C JOIN ALL_CONS_COLUMNS CC ON CC.OWNER = C.OWNER AND CC.CONSTRAINT_NAME = C.CONSTRAINT_NAME WHERE C.CONSTRAINT_TYPE = 'P' AND C.OWNER = :1 AND C.TABLE_NAME = :2 ORDER BY CC.POSITION",
    [owner, table],
  );
  return {
    columns: columns.rows.map((r) => ({
      name: String(r.COLUMN_NAME),
      dataType: String(r.DATA_TYPE),
      precision: r.DATA_PRECISION === null ? null : Number(r.DATA_PRECISION),
      scale: r.DATA_SCALE === null ? null : Number(r.DATA_SCALE),
      nullable: r.NULLABLE !== 'N',
    })),
    key: key.rows.map((r) => String(r.COLUMN_NAME)),
  };
}
