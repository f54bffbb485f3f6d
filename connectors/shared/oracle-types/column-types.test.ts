import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnMapping, type MappingOptions, type OracleColumn } from './column-types.js';
import { formatDecimal, parseDecimal, twosComplementBytes } from './oracle-decimal.js';

const col = (name: string, dataType: string, precision: number | null = null, scale: number | null = null, nullable = true): OracleColumn => ({ name, dataType, precision, scale, nullable });

const precise: MappingOptions = { 'decimal.handling.mode': 'precise', 'time.precision.mode': 'adaptive' };
const convert = (c: ReturnType<typeof col>, text: string, o = precise) => columnMapping(c, o).fromText(text);

describe('Oracle column types', () => {
  test('NUMBER(p,s) is exact: Decimal text with the scale, never through a double', () => {
    assert.equal(convert(col('N', 'NUMBER', 38, 10), '12345678901234567890.0123456789'), '12345678901234567890.0123456789');
    assert.equal(convert(col('N', 'NUMBER', 10, 2), '.5'), '0.50');
    assert.equal(convert(col('N', 'NUMBER', 10, 2), '-.05'), '-0.05');
    assert.equal(columnMapping(col('N', 'NUMBER', 10, 2), precise).schema.name, 'org.apache.kafka.connect.data.Decimal');
    assert.equal(convert(col('N', 'NUMBER', 38, 0), '1E+30'), '1000000000000000000000000000000');
  });

  test('NUMBER(p,0) by width: int8, int16, int32, int64 (bigint beyond 2^53), Decimal from 19 digits', () => {
    assert.equal(columnMapping(col('N', 'NUMBER', 2, 0), precise).schema.type, 'int8');
    assert.equal(columnMapping(col('N', 'NUMBER', 4, 0), precise).schema.type, 'int16');
    assert.equal(columnMapping(col('N', 'NUMBER', 9, 0), precise).schema.type, 'int32');
    assert.equal(columnMapping(col('N', 'NUMBER', 18, 0), precise).schema.type, 'int64');
    assert.equal(convert(col('N', 'NUMBER', 18, 0), '-999999999999999999'), -999999999999999999n);
    assert.equal(columnMapping(col('N', 'NUMBER', 19, 0), precise).schema.type, 'bytes');
  });

  test('NUMBER without scale is Debezium\'s VariableScaleDecimal; string and double modes', () => {
    assert.deepEqual(convert(col('N', 'NUMBER'), '-1.25'), { scale: 2, value: Buffer.from([0x83]) });
    assert.deepEqual(convert(col('N', 'NUMBER'), '128'), { scale: 0, value: Buffer.from([0x00, 0x80]) });
    assert.equal(convert(col('N', 'NUMBER'), '-1.25', { ...precise, 'decimal.handling.mode': 'string' }), '-1.25');
    assert.equal(convert(col('N', 'NUMBER', 10, 2), '-1.25', { ...precise, 'decimal.handling.mode': 'double' }), -1.25);
  });

  test('two\'s complement bytes match Java\'s BigInteger.toByteArray', () => {
    assert.deepEqual([...twosComplementBytes(0n)], [0]);
    assert.deepEqual([...twosComplementBytes(-1n)], [0xff]);
    assert.deepEqual([...twosComplementBytes(-128n)], [0x80]);
    assert.deepEqual([...twosComplementBytes(-129n)], [0xff, 0x7f]);
    assert.deepEqual([...twosComplementBytes(255n)], [0x00, 0xff]);
    assert.equal(formatDecimal(parseDecimal('-0.0')), '0.0');
  });

  test('DATE and TIMESTAMP(p) by precision; connect mode in milliseconds', () => {
    assert.equal(convert(col('D', 'DATE'), '0001-01-01 00:00:00'), -62_135_596_800_000);
    assert.equal(columnMapping(col('T', 'TIMESTAMP(6)', null, 6), precise).schema.name, 'io.debezium.time.MicroTimestamp');
    assert.equal(convert(col('T', 'TIMESTAMP(6)', null, 6), '2024-01-02 03:04:05.000001'), Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 1);
    assert.equal(columnMapping(col('T', 'TIMESTAMP(9)', null, 9), precise).schema.name, 'io.debezium.time.NanoTimestamp');
    assert.equal(convert(col('T', 'TIMESTAMP(9)', null, 9), '2024-01-02 03:04:05.123456789', { ...precise, 'time.precision.mode': 'connect' }), Date.UTC(2024, 0, 2, 3, 4, 5, 123));
  });

  test('zoned timestamps keep their offset; LOCAL TIME ZONE is the UTC instant', () => {
    assert.equal(convert(col('Z', 'TIMESTAMP(6) WITH TIME ZONE', null, 6), '2024-01-02 03:04:05.120000000 -05:30'), '2024-01-02T03:04:05.12-05:30');
    assert.equal(convert(col('Z', 'TIMESTAMP(6) WITH TIME ZONE', null, 6), '2024-01-02 03:04:05.000000000 +00:00'), '2024-01-02T03:04:05Z');
    assert.equal(convert(col('L', 'TIMESTAMP(6) WITH LOCAL TIME ZONE', null, 6), '2024-01-02 03:04:05.000000000'), '2024-01-02T03:04:05Z');
  });

  test('unsupported types are named', () => {
    assert.throws(() => columnMapping(col('S', 'SDO_TOPO_GEOMETRY'), precise), /SDO_TOPO_GEOMETRY is not supported/);
  });
});
