import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../plugins/api/index.js';
import { clickhouseSinkSpec, tableNameFor } from './clickhouse-sink-config.js';

test('table names: topic2TableMap first, then table.name.format', () => {
  const config = { topic2TableMap: 'shop.public.orders=orders_v2, a.b=c', 'table.name.format': '${table}' };
  assert.equal(tableNameFor('shop.public.orders', config), 'orders_v2');
  assert.equal(tableNameFor('shop.public.order-lines', config), 'order_lines');
  assert.equal(tableNameFor('shop.public.items', { ...config, 'table.name.format': 'cdc_${topic}' }), 'cdc_shop_public_items');
});

test('bad configs: every problem listed against its property', () => {
  const result = parseConfig(clickhouseSinkSpec, { 'table.name.format': 'fixed', topic2TableMap: 'nonsense', 'batch.size': '2000000', 'order.by': 'a,b c' });
  assert.equal(result.ok, false);
  const errors = !result.ok ? result.errors : {};
  assert.deepEqual(Object.keys(errors).sort(), ['batch.size', 'hostname', 'order.by', 'table.name.format', 'topic2TableMap', 'topics']);
});
