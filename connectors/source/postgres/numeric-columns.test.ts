import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moneyColumn, numericColumn, variableScaleDecimal } from './numeric-columns.js';

const NUMERIC_10_2 = ((10 << 16) | 2) + 4;

test('decimal.handling.mode=precise: Decimal, VariableScaleDecimal for unconstrained numeric, null for NaN', () => {
  const fixed = numericColumn(NUMERIC_10_2, 'precise');
  assert.deepEqual(fixed.schema.parameters, { scale: '2', 'connect.decimal.precision': '10' });
  assert.deepEqual(['12345678.90', 'NaN'].map(fixed.fromText), ['12345678.90', null]);
  const free = numericColumn(-1, 'precise');
  assert.equal(free.schema.name, 'io.debezium.data.VariableScaleDecimal');
  const b64 = (v: unknown) => (v === null ? null : { scale: (v as { scale: number }).scale, value: (v as { value: Buffer }).value.toString('base64') });
  // Debezium 3.6.1's values for the same numerics
  assert.deepEqual(['NaN', '-0.00000000000000000001', '123456789012345678901234567890.123456789', '0', '1.50', '100', '-123.450', 'Infinity'].map((t) => b64(free.fromText(t))), [
    null, { scale: 20, value: '/w==' }, { scale: 9, value: 'XODppWAV/sWq36MorjmBFQ==' }, { scale: 0, value: 'AA==' }, { scale: 1, value: 'Dw==' }, { scale: 0, value: 'ZA==' }, { scale: 2, value: 'z8c=' }, null,
  ]);
  assert.deepEqual(b64(variableScaleDecimal('128')), { scale: 0, value: Buffer.from([0, 128]).toString('base64') });
});

test('decimal.handling.mode=string and double', () => {
  assert.deepEqual(['1.50', 'NaN', 'Infinity', '-Infinity'].map(numericColumn(-1, 'string').fromText), ['1.50', 'NAN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY']);
  const double = numericColumn(NUMERIC_10_2, 'double');
  assert.equal(double.schema.type, 'float64');
  assert.deepEqual(['12345678.90', 'NaN', '-Infinity'].map(double.fromText), [12345678.9, Number.NaN, -Infinity]);
  assert.deepEqual(['-$92,233,720,368,547,758.08', '$0.50'].map(moneyColumn('string').fromText), ['-92233720368547758.08', '0.50']);
  assert.deepEqual(['$1,234.56'].map(moneyColumn('double').fromText), [1234.56]);
  assert.deepEqual(moneyColumn('precise').schema.parameters, { scale: '2' });
});
