import { snapshotExpression, type OracleColumn } from '../../../shared/oracle-types/index.js';
import type { TableShape } from '../oceanbase-table.js';

/**
 * What differs between the SQL dialects the trigger protocol runs on: how identifiers are
 * quoted, how a column's value becomes text inside a trigger, the change table's DDL and its
 * sequence, and the trigger bodies. Everything else (reading in sequence order, deleting what is
 * durable) is the same protocol, so the MySQL dialect run against a real MariaDB in the tests
 * exercises the code the Oracle-mode dialect uses too; the Oracle-mode DDL is pinned as golden text.
 *
 * The change table: SEQ (ascending, assigned when the row change is written), TABLE_SCHEMA,
 * TABLE_NAME, OP (c/u/d), BEFORE_IMAGE and AFTER_IMAGE (JSON objects of column → text, null for
 * SQL NULL), TX_ID where the dialect can tell, CHANGED_AT.
 */
export interface TriggerDialect {
  readonly name: 'mysql' | 'oracle';
  quote(identifier: string): string;
  /** statements creating the change table (and its sequence) */
  changeTableDdl(schema: string, changeTable: string): string[];
  /** statements creating the triggers of one table */
  triggerDdl(schema: string, changeTable: string, table: TableShape): string[];
  /** statements dropping them */
  dropTriggerDdl(schema: string, table: TableShape): string[];
  /** the rows after `?` (the cursor), in order, at most `limit` */
  readSql(schema: string, changeTable: string, limit: number): string;
  /** the rows at or below `?` (late commits and rows left by a crash), in order */
  readBelowSql(schema: string, changeTable: string, limit: number): string;
  deleteSql(schema: string, changeTable: string, count: number): string;
  /** whether the change table exists: one row when it does */
  changeTableExistsSql(schema: string, changeTable: string): { sql: string; params: unknown[] };
  /** the names of the triggers on a table that exist */
  triggersSql(schema: string, table: string): { sql: string; params: unknown[] };
  triggerNames(table: TableShape): string[];
  /** a column's value as the text the converters read (inside a trigger, or in the snapshot's select list) */
  textOf(column: OracleColumn, ref: string): string;
  /**
   * The snapshot's consistent read: statements that open it, the select of the change table's
   * highest SEQ within it (alias M), the clause that pins a table read to it (`AS OF SCN n`), and
   * the statements that end it. `scn` is the flashback point (Oracle mode) or null (MySQL reads in
   * one REPEATABLE READ transaction opened WITH CONSISTENT SNAPSHOT).
   */
  snapshotRead(schema: string, changeTable: string, scn: string | null): { begin: string[]; maxSeq: string; asOf: string; end: string[] };
  limit(n: number): string;
}

/** Trigger names stay within both dialects' limits (64 in MySQL, 128 in Oracle mode). */
function triggerBase(table: string): string {
  return `TRB_${table.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 56);
}

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const mysqlDialect: TriggerDialect = {
  name: 'mysql',
  quote: (id) => '`' + id.replace(/`/g, '``') + '`',
  changeTableDdl(schema, changeTable) {
    return [
      `CREATE TABLE IF NOT EXISTS ${this.quote(schema)}.${this.quote(changeTable)} (\n` +
      '  `SEQ` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n' +
      '  `TABLE_SCHEMA` VARCHAR(128) NOT NULL,\n' +
      '  `TABLE_NAME` VARCHAR(128) NOT NULL,\n' +
      '  `OP` CHAR(1) NOT NULL,\n' +
      '  `BEFORE_IMAGE` LONGTEXT NULL,\n' +
      '  `AFTER_IMAGE` LONGTEXT NULL,\n' +
      '  `TX_ID` VARCHAR(64) NULL,\n' +
      '  `CHANGED_AT` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)\n' +
      ')',
    ];
  },
  triggerDdl(schema, changeTable, table) {
    const target = `${this.quote(schema)}.${this.quote(table.name)}`;
    const into = `INSERT INTO ${this.quote(schema)}.${this.quote(changeTable)} (\`TABLE_SCHEMA\`, \`TABLE_NAME\`, \`OP\`, \`BEFORE_IMAGE\`, \`AFTER_IMAGE\`)`;
    const image = (ref: 'NEW' | 'OLD') => `JSON_OBJECT(${table.columns.map((c) => `${sqlString(c.name)}, ${mysqlText(c, `${ref}.${this.quote(c.name)}`)}`).join(', ')})`;
    const head = `${sqlString(schema)}, ${sqlString(table.name)}`;
    const [i, u, d] = this.triggerNames(table);
    return [
      `CREATE TRIGGER ${this.quote(i)} AFTER INSERT ON ${target} FOR EACH ROW\n  ${into}\n  VALUES (${head}, 'c', NULL, ${image('NEW')})`,
      `CREATE TRIGGER ${this.quote(u)} AFTER UPDATE ON ${target} FOR EACH ROW\n  ${into}\n  VALUES (${head}, 'u', ${image('OLD')}, ${image('NEW')})`,
      `CREATE TRIGGER ${this.quote(d)} AFTER DELETE ON ${target} FOR EACH ROW\n  ${into}\n  VALUES (${head}, 'd', ${image('OLD')}, NULL)`,
    ];
  },
  dropTriggerDdl(schema, table) {
    return this.triggerNames(table).map((n) => `DROP TRIGGER IF EXISTS ${this.quote(schema)}.${this.quote(n)}`);
  },
  readSql(schema, changeTable, limit) {
    return `SELECT \`SEQ\`, \`TABLE_SCHEMA\`, \`TABLE_NAME\`, \`OP\`, \`BEFORE_IMAGE\`, \`AFTER_IMAGE\`, \`TX_ID\`, CAST(\`CHANGED_AT\` AS CHAR) AS \`CHANGED_AT\` FROM ${this.quote(schema)}.${this.quote(changeTable)} WHERE \`SEQ\` > ? ORDER BY \`SEQ\` LIMIT ${limit}`;
  },
  readBelowSql(schema, changeTable, limit) {
    return `SELECT \`SEQ\`, \`TABLE_SCHEMA\`, \`TABLE_NAME\`, \`OP\`, \`BEFORE_IMAGE\`, \`AFTER_IMAGE\`, \`TX_ID\`, CAST(\`CHANGED_AT\` AS CHAR) AS \`CHANGED_AT\` FROM ${this.quote(schema)}.${this.quote(changeTable)} WHERE \`SEQ\` <= ? ORDER BY \`SEQ\` LIMIT ${limit}`;
  },
  deleteSql(schema, changeTable, count) {
    return `DELETE FROM ${this.quote(schema)}.${this.quote(changeTable)} WHERE \`SEQ\` IN (${new Array(count).fill('?').join(', ')})`;
  },
  changeTableExistsSql(schema, changeTable) {
    return { sql: 'SELECT 1 AS `X` FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', params: [schema, changeTable] };
  },
  triggersSql(schema, table) {
    return { sql: 'SELECT TRIGGER_NAME AS `NAME` FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?', params: [schema, table] };
  },
  triggerNames(table) {
    const base = triggerBase(table.name);
    return [`${base}_I`, `${base}_U`, `${base}_D`];
  },
  textOf: (column, ref) => mysqlText(column, ref),
  snapshotRead(schema, changeTable) {
    return {
      begin: ['SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'START TRANSACTION WITH CONSISTENT SNAPSHOT'],
      maxSeq: `SELECT COALESCE(MAX(\`SEQ\`), 0) AS \`M\` FROM ${this.quote(schema)}.${this.quote(changeTable)}`,
      asOf: '',
      end: ['COMMIT'],
    };
  },
  limit: (n) => `LIMIT ${n}`,
};

/**
 * A MySQL column as the text the converters read: binary as hex, TIMESTAMP shifted to UTC (its
 * text is in the writing session's zone), everything else as CAST(... AS CHAR).
 */
function mysqlText(column: OracleColumn, ref: string): string {
  if (column.dataType === 'RAW') return `HEX(${ref})`;
  if (/WITH LOCAL TIME ZONE/.test(column.dataType)) return `CAST(CONVERT_TZ(${ref}, @@session.time_zone, '+00:00') AS CHAR)`;
  return `CAST(${ref} AS CHAR)`;
}

/**
 * An Oracle-mode column as text inside a trigger, in the forms the converters read (the
 * snapshot's TO_CHAR forms); TIMESTAMP WITH LOCAL TIME ZONE is shifted to UTC first, since a
 * trigger runs in the writing session's time zone, not the connector's.
 */
function oracleText(column: OracleColumn, ref: string): string {
  if (/WITH LOCAL TIME ZONE/i.test(column.dataType)) return `TO_CHAR(SYS_EXTRACT_UTC(${ref}), 'YYYY-MM-DD HH24:MI:SS.FF9')`;
  return snapshotExpression(column, ref);
}

export const oracleDialect: TriggerDialect = {
  name: 'oracle',
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  changeTableDdl(schema, changeTable) {
    const q = (id: string) => `${this.quote(schema)}.${this.quote(id)}`;
    return [
      // ORDER NOCACHE: numbers in the order they are handed out across the cluster's servers
      `CREATE SEQUENCE ${q(`${changeTable}_SEQ`)} START WITH 1 INCREMENT BY 1 NOCACHE ORDER`,
      `CREATE TABLE ${q(changeTable)} (\n` +
      '  "SEQ" NUMBER(19) NOT NULL PRIMARY KEY,\n' +
      '  "TABLE_SCHEMA" VARCHAR2(128) NOT NULL,\n' +
      '  "TABLE_NAME" VARCHAR2(128) NOT NULL,\n' +
      '  "OP" CHAR(1) NOT NULL,\n' +
      '  "BEFORE_IMAGE" CLOB,\n' +
      '  "AFTER_IMAGE" CLOB,\n' +
      '  "TX_ID" VARCHAR2(64),\n' +
      '  "CHANGED_AT" TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL\n' +
      ')',
    ];
  },
  triggerDdl(schema, changeTable, table) {
    const q = (id: string) => `${this.quote(schema)}.${this.quote(id)}`;
    const image = (ref: ':NEW' | ':OLD') => `JSON_OBJECT(${table.columns.map((c) => `${sqlString(c.name)} VALUE ${oracleText(c, `${ref}.${this.quote(c.name)}`)}`).join(', ')} NULL ON NULL RETURNING CLOB)`;
    const insert = (op: string, before: string, after: string) =>
      `INSERT INTO ${q(changeTable)} ("SEQ", "TABLE_SCHEMA", "TABLE_NAME", "OP", "BEFORE_IMAGE", "AFTER_IMAGE", "TX_ID")\n` +
      `      VALUES (${q(`${changeTable}_SEQ`)}.NEXTVAL, ${sqlString(schema)}, ${sqlString(table.name)}, '${op}', ${before}, ${after}, DBMS_TRANSACTION.LOCAL_TRANSACTION_ID);`;
    const [name] = this.triggerNames(table);
    return [
      `CREATE OR REPLACE TRIGGER ${q(name)}\n` +
      `AFTER INSERT OR UPDATE OR DELETE ON ${q(table.name)}\n` +
      'FOR EACH ROW\n' +
      'BEGIN\n' +
      '  IF INSERTING THEN\n' +
      `    ${insert('c', 'NULL', image(':NEW'))}\n` +
      '  ELSIF UPDATING THEN\n' +
      `    ${insert('u', image(':OLD'), image(':NEW'))}\n` +
      '  ELSE\n' +
      `    ${insert('d', image(':OLD'), 'NULL')}\n` +
      '  END IF;\n' +
      'END;',
    ];
  },
  dropTriggerDdl(schema, table) {
    return this.triggerNames(table).map((n) => `DROP TRIGGER ${this.quote(schema)}.${this.quote(n)}`);
  },
  readSql(schema, changeTable, limit) {
    return `SELECT "SEQ", "TABLE_SCHEMA", "TABLE_NAME", "OP", "BEFORE_IMAGE", "AFTER_IMAGE", "TX_ID", TO_CHAR("CHANGED_AT" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.FF6') AS "CHANGED_AT" FROM ${this.quote(schema)}.${this.quote(changeTable)} WHERE "SEQ" > ? ORDER BY "SEQ" FETCH FIRST ${limit} ROWS ONLY`;
  },
  readBelowSql(schema, changeTable, limit) {
    return `SELECT "SEQ", "TABLE_SCHEMA", "TABLE_NAME", "OP", "BEFORE_IMAGE", "AFTER_IMAGE", "TX_ID", TO_CHAR("CHANGED_AT" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.FF6') AS "CHANGED_AT" FROM ${this.quote(schema)}.${this.quote(changeTable)} WHERE "SEQ" <= ? ORDER BY "SEQ" FETCH FIRST ${limit} ROWS ONLY`;
  },
  deleteSql(schema, changeTable, count) {
    return `DELETE FROM ${this.quote(schema)}.${this.quote(changeTable)} WHERE "SEQ" IN (${new Array(count).fill('?').join(', ')})`;
  },
  changeTableExistsSql(schema, changeTable) {
    return { sql: 'SELECT 1 AS "X" FROM ALL_TABLES WHERE OWNER = ? AND TABLE_NAME = ?', params: [schema, changeTable] };
  },
  triggersSql(schema, table) {
    return { sql: 'SELECT TRIGGER_NAME AS "NAME" FROM ALL_TRIGGERS WHERE TABLE_OWNER = ? AND TABLE_NAME = ?', params: [schema, table] };
  },
  triggerNames(table) {
    return [triggerBase(table.name)];
  },
  textOf: (column, ref) => oracleText(column, ref),
  snapshotRead(schema, changeTable, scn) {
    const asOf = scn === null ? '' : ` AS OF SCN ${BigInt(scn).toString()}`;
    return { begin: [], maxSeq: `SELECT NVL(MAX("SEQ"), 0) AS "M" FROM ${this.quote(schema)}.${this.quote(changeTable)}${asOf}`, asOf, end: [] };
  },
  limit: (n) => `FETCH FIRST ${n} ROWS ONLY`,
};

/** The reviewable install script for a set of tables (what `trigger.install=true` runs). */
export function installScript(dialect: TriggerDialect, schema: string, changeTable: string, tables: readonly TableShape[]): string {
  const statements = [...dialect.changeTableDdl(schema, changeTable), ...tables.flatMap((t) => dialect.triggerDdl(schema, changeTable, t))];
  return statements.map((s) => (dialect.name === 'oracle' && s.trimEnd().endsWith('END;') ? `${s}\n/` : `${s};`)).join('\n\n') + '\n';
}
