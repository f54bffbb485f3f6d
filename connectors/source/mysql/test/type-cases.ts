/**
 * One column per type the MySQL source maps (issue 12's list), with two rows of edge values:
 * the Debezium reference test and the types-into-files test both use this table. A third row
 * holds NULL in every column that allows it.
 */
export interface MySqlTypeColumn {
  readonly column: string;
  /** the column's SQL type (NULL allowed unless it says NOT NULL) */
  readonly type: string;
  /** SQL literals of rows 1 and 2 */
  readonly values: readonly [string, string];
}

export const TYPE_COLUMNS: readonly MySqlTypeColumn[] = [
  { column: 'ti', type: 'TINYINT', values: ['-128', '127'] },
  { column: 'tiu', type: 'TINYINT UNSIGNED', values: ['255', '0'] },
  { column: 'si', type: 'SMALLINT', values: ['-32768', '32767'] },
  { column: 'siu', type: 'SMALLINT UNSIGNED', values: ['65535', '1'] },
  { column: 'mi', type: 'MEDIUMINT', values: ['-8388608', '8388607'] },
  { column: 'miu', type: 'MEDIUMINT UNSIGNED', values: ['16777215', '0'] },
  { column: 'i', type: 'INT', values: ['-2147483648', '2147483647'] },
  { column: 'iu', type: 'INT UNSIGNED', values: ['4294967295', '0'] },
  { column: 'bi', type: 'BIGINT', values: ['-9223372036854775808', '9223372036854775807'] },
  { column: 'biu', type: 'BIGINT UNSIGNED', values: ['18446744073709551615', '9007199254740993'] },
  { column: 'dc', type: 'DECIMAL(30,10)', values: ['12345678901234567890.0123456789', '-0.0000000001'] },
  { column: 'dc0', type: 'DECIMAL(5,0)', values: ['-99999', '0'] },
  { column: 'f', type: 'FLOAT', values: ['3.5', '-1.25'] },
  { column: 'd', type: 'DOUBLE', values: ['1.7976931348623157e308', '-2.5e-300'] },
  { column: 'b1', type: 'BIT(1)', values: ["b'1'", "b'0'"] },
  { column: 'b10', type: 'BIT(10)', values: ["b'1010101010'", "b'1'"] },
  { column: 'b64', type: 'BIT(64)', values: ["b'1111111111111111111111111111111111111111111111111111111111111111'", "b'10000000'"] },
  { column: 'y', type: 'YEAR', values: ['2024', '1901'] },
  { column: 'dt', type: 'DATE', values: ["'2024-02-29'", "'1000-01-01'"] },
  { column: 'tm', type: 'TIME(6)', values: ["'-838:59:59.000000'", "'12:34:56.789012'"] },
  { column: 'tm0', type: 'TIME', values: ["'23:59:59'", "'00:00:00'"] },
  { column: 'dtm0', type: 'DATETIME', values: ["'2024-02-29 23:59:59'", "'1000-01-01 00:00:00'"] },
  { column: 'dtm3', type: 'DATETIME(3)', values: ["'2024-02-29 23:59:59.123'", "'1970-01-01 00:00:00.001'"] },
  { column: 'dtm6', type: 'DATETIME(6)', values: ["'9999-12-31 23:59:59.999999'", "'1969-12-31 23:59:59.999999'"] },
  { column: 'ts0', type: 'TIMESTAMP NULL', values: ["'2038-01-19 03:14:07'", "'1970-01-01 00:00:01'"] },
  { column: 'ts3', type: 'TIMESTAMP(3) NULL', values: ["'2024-02-29 23:59:59.654'", "'2000-01-01 00:00:00.000'"] },
  { column: 'ts6', type: 'TIMESTAMP(6) NULL', values: ["'2024-02-29 23:59:59.123456'", "'1970-01-01 00:00:01.000001'"] },
  { column: 'c', type: 'CHAR(10)', values: ["'abc'", "''"] },
  { column: 'vc', type: 'VARCHAR(40)', values: ["'héllo ☃ 😀'", "'a,b;\"c\"\\n'"] },
  { column: 'vl', type: 'VARCHAR(20) CHARACTER SET latin1', values: ["'café'", "'Ünïcödé ß'"] },
  { column: 'tx', type: 'TEXT', values: ["'line 1\\nline 2'", "'x'"] },
  { column: 'bn', type: 'BINARY(4)', values: ["X'ff01'", "X'00000000'"] },
  { column: 'vb', type: 'VARBINARY(8)', values: ["X'ff00'", "X''"] },
  { column: 'bl', type: 'BLOB', values: ["X'deadbeef'", "X'00'"] },
  { column: 'en', type: "ENUM('a','b','c')", values: ["'b'", "'a'"] },
  { column: 'st', type: "SET('x','y','z')", values: ["'x,z'", "''"] },
  { column: 'js', type: 'JSON', values: ["'{\"a\": [1, 2.5, \"x\"], \"b\": null}'", "'[]'"] },
  { column: 'g', type: 'GEOMETRY', values: ["ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('LINESTRING(0 0, 1 1)')"] },
  { column: 'gen', type: 'INT GENERATED ALWAYS AS (i DIV 2) STORED', values: ['DEFAULT', 'DEFAULT'] },
  { column: 'genv', type: 'VARCHAR(50) GENERATED ALWAYS AS (CONCAT(c, \'!\')) VIRTUAL', values: ['DEFAULT', 'DEFAULT'] },
];

export function typeTableSql(table: string): string {
  return `CREATE TABLE ${table} (id INT PRIMARY KEY, ${TYPE_COLUMNS.map((c) => `${c.column} ${c.type}`).join(', ')})`;
}

/** rows `firstId` (row 1's values), `firstId + 1` (row 2's) and `firstId + 2` (NULL wherever allowed) */
export function typeInsertSql(table: string, firstId: number): string {
  const row = (id: number, i: 0 | 1) => `(${id}, ${TYPE_COLUMNS.map((c) => c.values[i]).join(', ')})`;
  const nulls = `(${firstId + 2}, ${TYPE_COLUMNS.map((c) => (c.type.includes('GENERATED') ? 'DEFAULT' : 'NULL')).join(', ')})`;
  return `INSERT INTO ${table} (id, ${TYPE_COLUMNS.map((c) => c.column).join(', ')}) VALUES ${row(firstId, 0)}, ${row(firstId + 1, 1)}, ${nulls}`;
}
