/**
 * Values PostgreSQL accepts that sit at the edges of what a record or a file format can hold:
 * ±infinity, years above 9999 and up to PostgreSQL's maxima, BC dates, 24:00:00, NaN and
 * ±Infinity numerics, intervals of ±178 million years. One table, eight rows; each column holds
 * one literal per row (NULL where a row has nothing for that type), and some have an array twin.
 * The Debezium reference test and the lake test both use it.
 */
export const EDGE_ROWS = 8;

/** column → [SQL type, one SQL literal per row] */
export const EDGE_COLUMNS: Record<string, readonly [string, readonly string[]]> = {
  tstz: ['timestamptz', ["'infinity'", "'-infinity'", "'21016-11-04 06:51:30.123456+00'", "'294276-12-31 23:59:59.999999+00'", "'4714-11-24 00:00:00+00 BC'", "'2024-01-02 03:04:05+00'", "'0001-06-01 12:00:00+02 BC'", "'10000-01-01 00:00:00.5+00'"]],
  tstz0: ['timestamptz(0)', ["'infinity'", "'-infinity'", "'21016-11-04 06:51:30+00'", "'294247-01-01 23:59:59+00'", "'4714-11-24 00:00:00+00 BC'", "'2024-01-02 03:04:05+00'", "'0002-06-01 00:00:00+00 BC'", "'9999-12-31 23:59:59+00'"]],
  tstz3: ['timestamptz(3)', ["'infinity'", "'-infinity'", "'21016-11-04 06:51:30.123+00'", "'294247-01-01 23:59:59.999+00'", "'4714-11-24 00:00:00+00 BC'", "'2024-01-02 03:04:05+00'", "'0999-12-31 23:59:59.9+00'", "'1970-01-01 00:00:00.001+00'"]],
  ts: ['timestamp', ["'infinity'", "'-infinity'", "'21016-11-04 06:51:30.123456'", "'294276-12-31 23:59:59.999999'", "'4713-01-01 00:00:00 BC'", "'2024-01-02 03:04:05'", "'1969-12-31 23:59:59.9995'", "'10000-01-01 00:00:00'"]],
  ts3: ['timestamp(3)', ["'infinity'", "'-infinity'", "'21016-11-04 06:51:30.123'", "'294276-12-31 23:59:59.999'", "'4713-01-01 00:00:00 BC'", "'2024-01-02 03:04:05'", "'1969-12-31 23:59:59.999'", "'0001-01-01 00:00:00 BC'"]],
  d: ['date', ["'infinity'", "'-infinity'", "'5874897-12-31'", "'4714-11-24 BC'", "'0001-12-31 BC'", "'2024-02-29'", "'0001-01-01'", "'10000-01-01'"]],
  t: ['time', ["'24:00:00'", "'00:00:00'", "'23:59:59.999999'", "'00:00:00.000001'", "'12:34:56.5'", "'13:45:01.1'", "'00:00:00.123456'", 'NULL']],
  t3: ['time(3)', ["'24:00:00'", "'00:00:00'", "'23:59:59.999'", "'00:00:00.001'", "'12:34:56.5'", "'13:45:01.1'", "'00:00:00.123'", 'NULL']],
  ttz: ['timetz', ["'24:00:00+00'", "'00:00:00+00'", "'23:59:59.999999+00'", "'10:15:30.25+02'", "'00:00:00.5+01'", "'12:00:00+05:30'", "'23:00:00-01'", "'24:00:00+05'"]],
  iv: ['interval', ["'178000000 years'", "'-178000000 years'", "'1 year 2 months 3 days 04:05:06.5'", "'-1 days -02:00:00'", "'1 mon 0.000001 seconds'", "'00:00:00'", "'-1.5 seconds'", "'1.5 months 0.5 days'"]],
  n: ['numeric(10,2)', ["'NaN'", "'-12345678.91'", "'12345678.9'", "'0.01'", "'-0.5'", "'1'", 'NULL', "'99999999.99'"]],
  nfree: ['numeric', ["'NaN'", "'Infinity'", "'-Infinity'", "'-1e-20'", "'1.50'", "'100'", "'123456789012345678901234567890.123456789'", "'0'"]],
  m: ['money', ["'92233720368547758.07'", "'-92233720368547758.08'", "'1234.56'", "'0'", "'-0.01'", "'1'", 'NULL', "'0.5'"]],
};

/**
 * Array columns whose single element is the same row's scalar literal, so each array element
 * can be checked against the scalar column's conversion.
 */
export const EDGE_ARRAYS: Record<string, string> = { tstz_arr: 'tstz', ts_arr: 'ts', d_arr: 'd', t_arr: 't', ttz_arr: 'ttz' };

function arrayColumn(scalar: string): readonly [string, readonly string[]] {
  const [type, literals] = EDGE_COLUMNS[scalar];
  return [`${type}[]`, literals.map((literal) => `ARRAY[${literal}]::${type}[]`)];
}

function allColumns(): [string, readonly [string, readonly string[]]][] {
  return [...Object.entries(EDGE_COLUMNS), ...Object.entries(EDGE_ARRAYS).map(([name, scalar]) => [name, arrayColumn(scalar)] as [string, readonly [string, readonly string[]]])];
}

/** `CREATE TABLE <name> (id int PRIMARY KEY, ...)` for the edge columns. */
export function edgeTableSql(name: string): string {
  return `CREATE TABLE ${name} (id int PRIMARY KEY, ${allColumns().map(([c, [type]]) => `${c} ${type}`).join(', ')})`;
}

/** One INSERT of all eight rows, with ids `firstId`..`firstId + 7`. */
export function edgeInsertSql(name: string, firstId: number): string {
  const rows: string[] = [];
  for (let i = 0; i < EDGE_ROWS; i++) rows.push(`(${firstId + i}, ${allColumns().map(([, [, literals]]) => literals[i]).join(', ')})`);
  return `INSERT INTO ${name} VALUES ${rows.join(', ')}`;
}

/** Every column of the edge table but `id`, scalars first. */
export function edgeColumnNames(): string[] {
  return allColumns().map(([name]) => name);
}
