import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresTableFilter } from './table-filter.js';

test('the PostgreSQL filter: schema lists are the containers; system schemas never pass', () => {
  const f = postgresTableFilter({ 'schema.include.list': ['public|pg_catalog'] } as never);
  assert.ok(f.includesTable('public', 'orders'));
  assert.ok(!f.includesTable('pg_catalog', 'pg_class'));
  assert.ok(!f.includesTable('pg_temp_3', 't'));
  assert.ok(!f.includesTable('other', 't'));
  assert.ok(!postgresTableFilter({} as never).includesTable('information_schema', 'tables'));
});
