import type { OracleColumn } from '../../shared/oracle-types/index.js';
import type { TableShape } from './oceanbase-table.js';
import type { SqlClient } from './sql-client.js';
import type { Catalog } from './table-cache.js';

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** Oracle mode's dictionary views (OceanBase keeps Oracle's ALL_* views in Oracle-mode tenants). */
export function oracleCatalog(client: () => Promise<SqlClient>): Catalog {
  return {
    async tables() {
      const c = await client();
      const r = await c.query("SELECT OWNER, TABLE_NAME FROM ALL_TABLES WHERE OWNER NOT IN ('SYS','SYSTEM','OCEANBASE','LBACSYS','ORAAUDITOR') ORDER BY OWNER, TABLE_NAME");
      return r.rows.map((row) => ({ owner: text(row.OWNER), name: text(row.TABLE_NAME) }));
    },
    async describe(owner, name) {
      const c = await client();
      const cols = await c.query('SELECT COLUMN_NAME, DATA_TYPE, DATA_PRECISION, DATA_SCALE, NULLABLE FROM ALL_TAB_COLUMNS WHERE OWNER = ? AND TABLE_NAME = ? ORDER BY COLUMN_ID', [owner, name]);
      if (cols.rows.length === 0) return null;
      const key = await c.query("SELECT cc.COLUMN_NAME FROM ALL_CONSTRAINTS k JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME WHERE k.CONSTRAINT_TYPE = 'P' AND k.OWNER = ? AND k.TABLE_NAME = ? ORDER BY cc.POSITION", [owner, name]);
      const columns: OracleColumn[] = cols.rows.map((r) => ({ name: text(r.COLUMN_NAME), dataType: text(r.DATA_TYPE), precision: num(r.DATA_PRECISION), scale: num(r.DATA_SCALE), nullable: text(r.NULLABLE) !== 'N' }));
      return { owner, name, columns, key: key.rows.map((r) => text(r.COLUMN_NAME)) } satisfies TableShape;
    },
  };
}

/**
 * MySQL dialect (MySQL-mode tenants in trigger mode, and MariaDB in the tests): information_schema,
 * each MySQL type described as the Oracle-mode type whose text form it shares, so one set of
 * converters serves both dialects (the trigger writes every value as text).
 */
export function mysqlCatalog(client: () => Promise<SqlClient>, database: string): Catalog {
  return {
    async tables() {
      const c = await client();
      const r = await c.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [database]);
      return r.rows.map((row) => ({ owner: database, name: text(row.TABLE_NAME) }));
    },
    async describe(owner, name) {
      const c = await client();
      const r = await c.query('SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [owner, name]);
      if (r.rows.length === 0) return null;
      const columns = r.rows.map((row) => mysqlColumn(text(row.COLUMN_NAME), text(row.DATA_TYPE), num(row.NUMERIC_PRECISION), num(row.NUMERIC_SCALE), num(row.DATETIME_PRECISION), text(row.IS_NULLABLE) === 'YES'));
      return { owner, name, columns, key: r.rows.filter((row) => text(row.COLUMN_KEY) === 'PRI').map((row) => text(row.COLUMN_NAME)) };
    },
  };
}

export function mysqlColumn(name: string, type: string, precision: number | null, scale: number | null, fsp: number | null, nullable: boolean): OracleColumn {
  const t = type.toLowerCase();
  const number = (p: number) => ({ name, dataType: 'NUMBER', precision: p, scale: 0, nullable });
  switch (t) {
    case 'tinyint': return number(3);
    case 'smallint': return number(5);
    case 'mediumint': case 'int': case 'integer': return number(10);
    // NUMBER(18,0) maps to int64, which holds every BIGINT
    case 'bigint': return number(18);
    case 'decimal': case 'numeric': return { name, dataType: 'NUMBER', precision, scale, nullable };
    case 'float': return { name, dataType: 'BINARY_FLOAT', precision: null, scale: null, nullable };
    case 'double': return { name, dataType: 'BINARY_DOUBLE', precision: null, scale: null, nullable };
    case 'datetime': return { name, dataType: `TIMESTAMP(${fsp ?? 0})`, precision: null, scale: fsp ?? 0, nullable };
    case 'timestamp': return { name, dataType: `TIMESTAMP(${fsp ?? 0}) WITH LOCAL TIME ZONE`, precision: null, scale: fsp ?? 0, nullable };
    case 'binary': case 'varbinary': case 'blob': case 'tinyblob': return { name, dataType: 'RAW', precision: null, scale: null, nullable };
    default: return { name, dataType: 'VARCHAR2', precision: null, scale: null, nullable };
  }
}
