import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArrayText, parseBytea, parseHstore, parseInt64, parseMoney } from './pg-text-parsers.js';

test('numbers, money and bytes stay exact', () => {
  assert.equal(parseInt64('9007199254740993'), 9_007_199_254_740_993n);
  assert.equal(parseInt64('-12'), -12);
  assert.equal(parseMoney('-$1,234,567.89'), '-1234567.89');
  assert.equal(parseMoney('$0.01'), '0.01');
  assert.deepEqual(parseBytea('\\x00ff'), Buffer.from([0, 255]));
});

test('array and hstore literals', () => {
  assert.deepEqual(parseArrayText('{}'), []);
  assert.deepEqual(parseArrayText('{1,NULL,3}'), ['1', null, '3']);
  assert.deepEqual(parseArrayText('{"a b","NULL","x\\"y","c\\\\d"}'), ['a b', 'NULL', 'x"y', 'c\\d']);
  assert.deepEqual(parseArrayText('{{1,2},{3,4}}'), [['1', '2'], ['3', '4']]);
  assert.deepEqual(parseArrayText('[0:1]={5,6}'), ['5', '6']);
  assert.deepEqual(parseArrayText('{(1,2),(0,0);(3,4),(2,2)}', ';'), ['(1,2),(0,0)', '(3,4),(2,2)']);
  assert.deepEqual(parseHstore('"a"=>"1", "b c"=>NULL, "q\\""=>"\\\\"'), { a: '1', 'b c': null, 'q"': '\\' });
  assert.deepEqual(parseHstore(''), {});
});
