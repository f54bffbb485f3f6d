import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UNCHANGED_TOAST } from './pgoutput-decoder.js';
import { postgresTableFilter } from './table-filter.js';
import { TableSchema, type ColumnDescriptor } from './table-schema.js';
import { TypeRegistry } from './type-registry.js';

const INT4 = 23;
const TEXT = 25;
const BOOL = 16;

function schema(columns: ColumnDescriptor[], exclude: string[] = []): TableSchema {
  const filter = postgresTableFilter({ 'column.exclude.list': exclude } as never);
  return new TableSchema('public', 't', columns, { topicPrefix: 'srv', registry: new TypeRegistry(), filter, mapping: { decimalHandling: 'precise' } });
}

test('rows and keys: values converted, NULLs and absent columns null, column order kept, excluded columns left out', () => {
  const t = schema([
    { name: 'b', typeOid: TEXT, typmod: -1, pkPosition: 2 },
    { name: 'a', typeOid: INT4, typmod: -1, pkPosition: 1 },
    { name: 'secret', typeOid: TEXT, typmod: -1, pkPosition: 0 },
    { name: 'flag', typeOid: BOOL, typmod: -1, pkPosition: 0 },
  ], ['public.t.secret']);
  const row = t.toRow(['x', '7', 's', 't'], '__u');
  assert.deepEqual(row, { b: 'x', a: 7, flag: true });
  assert.deepEqual(Object.keys(row), ['b', 'a', 'flag']);
  assert.deepEqual(t.toRow([null, '8', null, undefined as never], '__u'), { b: null, a: 8, flag: null }, 'a key-only before-image leaves the rest null');
  assert.deepEqual(t.toKey(['x', '7', 's', 't']), { a: 7, b: 'x' }, 'key fields in primary-key order');
  assert.deepEqual(t.unavailable, []);
});

test('an unchanged TOAST value gets the placeholder (text) or null, and is listed; a full old row fills it in', () => {
  const t = schema([{ name: 'id', typeOid: INT4, typmod: -1, pkPosition: 1 }, { name: 'body', typeOid: TEXT, typmod: -1, pkPosition: 0 }]);
  assert.deepEqual(t.toRow(['1', UNCHANGED_TOAST], '__u'), { id: 1, body: '__u' });
  assert.deepEqual(t.unavailable, ['body']);
  assert.deepEqual(t.toRow(['1', UNCHANGED_TOAST], '__u', ['1', 'old']), { id: 1, body: 'old' });
  assert.deepEqual(t.unavailable, []);
});

test('column names are data, never code: quotes, backslashes, line separators and __proto__', () => {
  const names = ['"; throw 1; "', 'back\\slash', 'line\u2028sep', '${x}', '__proto__', 'constructor'];
  const t = schema(names.map((name, i) => ({ name, typeOid: TEXT, typmod: -1, pkPosition: i === 0 ? 1 : 0 })));
  const row = t.toRow(names.map((_, i) => `v${i}`), '__u');
  assert.deepEqual(Object.keys(row), names);
  names.forEach((name, i) => assert.equal(Object.getOwnPropertyDescriptor(row, name)?.value, `v${i}`, name));
  assert.equal(Object.getPrototypeOf(row), Object.prototype, '__proto__ is a field, not the prototype');
  const plain = schema(names.filter((n) => n !== '__proto__').map((name, i) => ({ name, typeOid: TEXT, typmod: -1, pkPosition: i === 0 ? 1 : 0 })));
  assert.deepEqual(plain.toKey(['k', 'x', 'y', 'z', 'w']), { '"; throw 1; "': 'k' });
});
