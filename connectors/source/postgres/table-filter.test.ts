import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidPatterns, TableFilter } from './table-filter.js';

test('include lists match whole identifiers, case-insensitively', () => {
  const f = new TableFilter({ 'table.include.list': ['public\\.orders', 'inv\\..*'] } as never);
  assert.ok(f.includesTable('public', 'orders'));
  assert.ok(f.includesTable('PUBLIC', 'Orders'));
  assert.ok(!f.includesTable('public', 'orders_archive'), 'no partial match');
  assert.ok(f.includesTable('inv', 'anything'));
  assert.ok(!f.includesTable('pg_catalog', 'pg_class'));
  assert.ok(f.isFiltering);
});

test('exclude lists and column filters', () => {
  const f = new TableFilter({ 'table.exclude.list': ['.*\\.audit_.*'], 'column.exclude.list': ['public\\.users\\.(password|ssn)'] } as never);
  assert.ok(f.includesTable('public', 'users'));
  assert.ok(!f.includesTable('public', 'audit_log'));
  assert.ok(!f.includesColumn('public', 'users', 'password'));
  assert.ok(f.includesColumn('public', 'users', 'name'));
  assert.ok(f.includesColumn('other', 'users', 'password'));
  const all = new TableFilter({} as never);
  assert.ok(all.includesTable('s', 't'));
  assert.ok(!all.isFiltering);
  assert.equal(invalidPatterns(['ok', 'bad(']).length, 1);
});
