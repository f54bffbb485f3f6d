import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeSegment } from '../../connectors/sink/files/file-namer.js';
import { decodeSegment } from './lake-catalog.js';
import { LakeSession } from './lake-session.js';
import { formatResult } from './result-table.js';

test('topic folder names decode back to the topic the files sink escaped', () => {
  for (const topic of ['shop.public.orders', 'shop.public.Mixed Case', 'shop.ünï.cödé~x', 'a/b']) assert.equal(decodeSegment(escapeSegment(topic)), topic);
});

test('view names: catalog.schema.table for Debezium topics, quoted whole otherwise', () => {
  assert.equal(LakeSession.viewName('shop.public.orders'), '"shop"."public"."orders"');
  assert.equal(LakeSession.viewName('demo.orders'), '"demo"."orders"');
  assert.equal(LakeSession.viewName('a.b.c.d'), '"a.b.c.d"');
  assert.equal(LakeSession.viewName('memory.public.t'), '"memory.public.t"');
});

test('a result as an aligned table, CSV or JSON lines', () => {
  const result = { columns: ['id', 'name', 'doc'], rows: [[1, 'a', { k: [1] }], [22, null, null], [3, 'c,"d"', null]] };
  assert.equal(formatResult(result, 'table', 2), ['id | name | doc', '---+------+----------', ' 1 | a    | {"k":[1]}', '22 | NULL | NULL', '(3 rows, 2 shown; --max-rows 0 shows all)', ''].join('\n'));
  assert.equal(formatResult(result, 'csv', 0), 'id,name,doc\n1,a,"{""k"":[1]}"\n22,,\n3,"c,""d""",\n');
  assert.equal(formatResult(result, 'json', 0).split('\n')[0], '{"id":1,"name":"a","doc":{"k":[1]}}');
});
