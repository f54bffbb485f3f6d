import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ch } from './clickhouse-types.js';
import { featuresOf } from './server-features.js';
import { addColumnSql, createTableSql, latestViewSql, type TableLayout } from './table-ddl.js';

const upsert: TableLayout = {
  database: 'db', table: 'orders', mode: 'upsert', keys: ['id'],
  columns: [{ name: 'id', type: ch.int('Int32') }, { name: 'total', type: ch.nullable(ch.decimal(12, 2)) }, { name: 'at', type: ch.datetime64(6) }],
};

test('upsert tables: ReplacingMergeTree on the version, with is_deleted where the server has it', () => {
  assert.equal(createTableSql(upsert, featuresOf('18.16.1')), [
    'CREATE TABLE IF NOT EXISTS `db`.`orders` (',
    '  `id` Int32,\n  `total` Nullable(Decimal(12, 2)),\n  `at` DateTime64(6, \'UTC\'),\n  `_version` UInt64,\n  `_deleted` UInt8,\n  `_source_ts_ms` Int64',
    ') ENGINE = ReplacingMergeTree(_version)',
    'ORDER BY (`id`)',
  ].join('\n'));
  assert.match(createTableSql(upsert, featuresOf('24.8')), /\) ENGINE = ReplacingMergeTree\(_version, _deleted\)\nORDER BY \(`id`\)$/);
});

test('sorting-key columns are created without Nullable', () => {
  const layout: TableLayout = { ...upsert, keys: ['id', 'k'], columns: [...upsert.columns, { name: 'k', type: ch.nullable(ch.string) }] };
  assert.match(createTableSql(layout, featuresOf('18.16.1')), /`k` String,\n/);
});

test('append tables: ReplacingMergeTree on (order.by…, _id), partitioned by day', () => {
  const layout: TableLayout = {
    database: 'db', table: 'events', mode: 'append', keys: [], orderBy: ['user'],
    columns: [{ name: 'user', type: ch.string }, { name: 'at', type: ch.nullable(ch.int('Int64')) }],
    partitionBy: { column: 'at', secondsDivisor: 1_000_000 },
  };
  assert.equal(createTableSql(layout, featuresOf('18.16.1')), [
    'CREATE TABLE IF NOT EXISTS `db`.`events` (',
    '  `user` String,\n  `at` Nullable(Int64),\n  `_id` String,\n  `_source_ts_ms` Int64',
    ') ENGINE = ReplacingMergeTree',
    'PARTITION BY toYYYYMMDD(toDateTime(intDiv(assumeNotNull(`at`), 1000000)))',
    'ORDER BY (`user`, `_id`)',
  ].join('\n'));
  const onDateTime64 = createTableSql({ ...layout, columns: [{ name: 'at', type: ch.datetime64(6) }], partitionBy: { column: 'at' }, orderBy: [] }, featuresOf('24.8'));
  assert.match(onDateTime64, /PARTITION BY toYYYYMMDD\(`at`\)\nORDER BY \(`_id`\)$/);
  // without partition.by: the day of the source commit
  assert.match(createTableSql({ ...layout, partitionBy: undefined }, featuresOf('18.16.1')), /PARTITION BY toYYYYMMDD\(toDateTime\(intDiv\(`_source_ts_ms`, 1000\)\)\)/);
});

test('the latest-rows view filters after FINAL with WHERE, and evolution adds columns', () => {
  assert.deepEqual(latestViewSql('db', 'orders'), [
    'DROP TABLE IF EXISTS `db`.`orders_latest`',
    'CREATE VIEW `db`.`orders_latest` AS SELECT * FROM `db`.`orders` FINAL WHERE _deleted = 0',
  ]);
  assert.equal(addColumnSql('db', 'orders', { name: 'no`te', type: ch.nullable(ch.string) }), 'ALTER TABLE `db`.`orders` ADD COLUMN `no\\`te` Nullable(String)');
});
