import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidPatterns, TableFilter } from './table-filter.js';

const system = (c: string) => c === 'pg_catalog';

test('include lists match whole identifiers, case-insensitively; system containers never pass', () => {
  const f = new TableFilter({ tableInclude: ['public\\.orders', 'inv\\..*'], isSystemContainer: system });
  assert.ok(f.includesTable('public', 'orders'));
  assert.ok(f.includesTable('PUBLIC', 'Orders'));
  assert.ok(!f.includesTable('public', 'orders_archive'), 'no partial match');
  assert.ok(f.includesTable('inv', 'anything'));
  assert.ok(!f.includesTable('pg_catalog', 'pg_class'));
  assert.ok(f.isFiltering);
});

test('container lists, exclude lists and column filters', () => {
  const f = new TableFilter({ containerInclude: ['shop'], tableExclude: ['.*\\.audit_.*'], columnExclude: ['shop\\.users\\.(password|ssn)'] });
  assert.ok(f.includesTable('shop', 'users'));
  assert.ok(!f.includesTable('other', 'users'));
  assert.ok(!f.includesContainer('other'));
  assert.ok(!f.includesTable('shop', 'audit_log'));
  assert.ok(!f.includesColumn('shop', 'users', 'password'));
  assert.ok(f.includesColumn('shop', 'users', 'name'));
  assert.ok(f.includesColumn('other', 'users', 'password'));
  const all = new TableFilter({});
  assert.ok(all.includesTable('s', 't'));
  assert.ok(!all.isFiltering);
  assert.equal(invalidPatterns(['ok', 'bad(']).length, 1);
});
