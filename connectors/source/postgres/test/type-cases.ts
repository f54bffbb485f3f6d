import { LogicalName } from '../../../../plugins/api/index.js';

/**
 * Every PostgreSQL type the source maps, for the round-trip tests: the record value the task
 * must produce and the schema (logical name, or type) it must declare.
 */
/** column → [SQL type, SQL literal, expected record value, expected schema logical name or type] */
export const CASES: Record<string, [string, string, unknown, string]> = {
  c_int2: ['smallint', '-32768', -32768, 'int16'],
  c_int4: ['integer', '2147483647', 2147483647, 'int32'],
  c_int8: ['bigint', '9223372036854775807', 9223372036854775807n, 'int64'],
  c_int8_small: ['bigint', '-42', -42, 'int64'],
  c_numeric: ['numeric(38,10)', '123456789012345678901234567.8901234567', '123456789012345678901234567.8901234567', LogicalName.Decimal],
  c_numeric_neg: ['numeric(5,2)', '-0.05', '-0.05', LogicalName.Decimal],
  // Debezium's VariableScaleDecimal: the unscaled value's two's complement bytes and the scale, trailing zeros dropped
  c_numeric_free: ['numeric', '3.14159265358979323846264338327950288419716939937510', { scale: 49, value: Buffer.from(BigInt('31415926535897932384626433832795028841971693993751').toString(16).padStart(42, '0'), 'hex') }, 'io.debezium.data.VariableScaleDecimal'],
  c_real: ['real', '3.4028235e38', 3.4028235e38, 'float32'],
  c_double: ['double precision', '0.1', 0.1, 'float64'],
  c_money: ['money', '-1234567.89', '-1234567.89', LogicalName.Decimal],
  c_bool: ['boolean', 'true', true, 'boolean'],
  c_char: ['char(5)', "'ab'", 'ab   ', 'string'],
  c_varchar: ['varchar(20)', "'héllo ☃'", 'héllo ☃', 'string'],
  c_text: ['text', "E'line\\nnext \"quoted\" \\\\ back'", 'line\nnext "quoted" \\ back', 'string'],
  c_bytea: ['bytea', "'\\x00ff10'", Buffer.from([0, 255, 16]), 'bytes'],
  c_uuid: ['uuid', "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', LogicalName.Uuid],
  c_json: ['json', `'{"b": 1, "a": [1, 2.50]}'`, '{"b": 1, "a": [1, 2.50]}', LogicalName.Json],
  c_jsonb: ['jsonb', `'{"b": 1, "a": [1, 2.50]}'`, '{"a": [1, 2.50], "b": 1}', LogicalName.Json],
  c_xml: ['xml', "'<a x=\"1\">t</a>'", '<a x="1">t</a>', 'io.debezium.data.Xml'],
  c_date: ['date', "'2024-02-29'", 19782, LogicalName.Date],
  c_date_old: ['date', "'0044-03-15 BC'", -735_160, LogicalName.Date],
  c_time: ['time', "'23:59:59.999999'", 86_399_999_999, LogicalName.MicroTime],
  c_timetz: ['timetz', "'10:15:30.25+02'", '08:15:30.25Z', LogicalName.ZonedTime],
  c_timestamp: ['timestamp', "'2024-01-02 03:04:05.123456'", 1_704_164_645_123_456, LogicalName.MicroTimestamp],
  c_timestamptz: ['timestamptz', "'2024-01-02 03:04:05.123456-05'", '2024-01-02T08:04:05.123456Z', LogicalName.ZonedTimestamp],
  // interval.handling.mode=numeric (Debezium's default): a month is 30.4375 days
  c_interval: ['interval', "'1 year 2 months 3 days 04:05:06.5'", 37_091_106_500_000, 'io.debezium.time.MicroDuration'],
  c_int_array: ['integer[]', "'{1,NULL,3}'", [1, null, 3], 'array'],
  c_text_array: ['text[]', `'{"a b","c,d",NULL,"e\\"f"}'`, ['a b', 'c,d', null, 'e"f'], 'array'],
  c_numeric_array: ['numeric(10,3)[]', "'{1.5,-2.25}'", ['1.500', '-2.250'], 'array'],
  c_ts_array: ['timestamptz[]', `'{"2024-01-01 00:00:00+00"}'`, ['2024-01-01T00:00:00.000000Z'], 'array'],
  c_enum: ['mood', "'happy'", 'happy', 'io.debezium.data.Enum'],
  c_enum_array: ['mood[]', "'{sad,happy}'", ['sad', 'happy'], 'array'],
  c_domain: ['positive_amount', '12.30', '12.30', LogicalName.Decimal],
  c_inet: ['inet', "'192.168.1.5/24'", '192.168.1.5/24', 'string'],
  c_cidr: ['cidr', "'10.0.0.0/8'", '10.0.0.0/8', 'string'],
  c_macaddr: ['macaddr', "'08:00:2b:01:02:03'", '08:00:2b:01:02:03', 'string'],
  c_bit1: ['bit(1)', "B'1'", true, 'boolean'],
  c_bit: ['bit(10)', "B'1010000001'", '1010000001', 'string'],
  c_varbit: ['varbit(20)', "B'101'", '101', 'string'],
  c_hstore: ['hstore', `'a=>1, "b c"=>NULL'`, '{"a":"1","b c":null}', LogicalName.Json],
  c_null_int: ['integer', 'NULL', null, 'int32'],
  c_null_text: ['text', 'NULL', null, 'string'],
  c_null_ts: ['timestamptz', 'NULL', null, LogicalName.ZonedTimestamp],
};

/** Creates the extension, enum, domain and `all_types` table; returns the VALUES list of one row (without id). */
export async function createTypesTable(run: (sql: string) => Promise<unknown>): Promise<string> {
  await run(`CREATE EXTENSION IF NOT EXISTS hstore; CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE DOMAIN positive_amount AS numeric(8,2) CHECK (VALUE > 0)`);
  const columns = Object.entries(CASES).map(([name, [type]]) => `${name} ${type}`).join(', ');
  await run(`CREATE TABLE all_types (id int PRIMARY KEY, ${columns})`);
  const values = Object.values(CASES).map(([, literal]) => literal).join(', ');
  await run(`INSERT INTO all_types VALUES (1, ${values})`);
  return values;
}
