import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPublication, type PublicationInput } from './publication-plan.js';
import { exactTablePattern, type InspectedTable } from './table-inspection.js';

const table = (name: string, extra: Partial<InspectedTable> = {}): InspectedTable => ({ schema: 'public', table: name, hasPrimaryKey: true, identity: 'd', owner: 'app', owned: true, readable: true, ...extra });
const input = (over: Partial<PublicationInput>): PublicationInput => ({
  tables: [table('keyed'), table('nokey', { hasPrimaryKey: false }), table('full', { hasPrimaryKey: false, identity: 'f' })],
  rights: { user: 'app', database: 'db', superuser: true, replication: true, canCreate: true },
  existing: null, publication: 'tributary_quickstart', selects: () => true, mode: 'choose', ownName: true, origin: '--source',
  ...over,
});

test('the quickstart publishes only tables whose UPDATE and DELETE keep working, and names the statement for the others', () => {
  const plan = planPublication(input({}));
  assert.equal(plan.problem, undefined);
  assert.equal(plan.mode, 'filtered');
  assert.deepEqual(plan.captured, ['"public"."keyed"', '"public"."full"']);
  assert.match(plan.notices.join('\n'), /left out "public"\."nokey": it has no primary key or replica identity.*ALTER TABLE "public"\."nokey" REPLICA IDENTITY FULL;/);
});

test('a non-superuser captures the tables it owns and may read; the others are left out with the fix', () => {
  const plan = planPublication(input({
    rights: { user: 'app', database: 'db', superuser: false, replication: true, canCreate: true },
    tables: [table('mine'), table('theirs', { owner: 'bob', owned: false }), table('secret', { readable: false })],
  }));
  assert.deepEqual(plan.captured, ['"public"."mine"']);
  assert.match(plan.notices.join('\n'), /left out "public"\."theirs": it belongs to "bob".*ALTER TABLE "public"\."theirs" OWNER TO "app";/);
  assert.match(plan.notices.join('\n'), /GRANT SELECT ON "public"\."secret" TO "app";/);
});

test('without CREATE on the database, one line with the grant', () => {
  const plan = planPublication(input({ rights: { user: 'app', database: 'db', superuser: false, replication: true, canCreate: false } }));
  assert.match(plan.problem ?? '', /GRANT CREATE ON DATABASE "db" TO "app";/);
});

test('an earlier FOR ALL TABLES publication of the quickstart that breaks writes is replaced; someone else\'s is not touched', () => {
  const existing = { allTables: true, owner: 'postgres', owned: true, tables: [] };
  assert.equal(planPublication(input({ existing })).replaceAllTables, true);
  const foreign = planPublication(input({ existing, ownName: false, publication: 'theirs' }));
  assert.match(foreign.problem ?? '', /publication "theirs" is FOR ALL TABLES, so UPDATE and DELETE already fail on "public"\."nokey": run DROP PUBLICATION "theirs";/);
});

test('a file that sets publication.autocreate.mode keeps its choice, unless it would break writes', () => {
  assert.match(planPublication(input({ mode: 'all_tables', origin: 'pg.properties' })).problem ?? '', /pg\.properties sets publication\.autocreate\.mode=all_tables, which would publish "public"\."nokey"/);
  const filtered = planPublication(input({ mode: 'filtered', selects: (t) => t.table !== 'nokey' }));
  assert.equal(filtered.problem, undefined);
  assert.equal(filtered.includeList, null);
});

test('table.include.list patterns match exactly one table, whatever its name holds', () => {
  const pattern = exactTablePattern('my schema', 'a.b,c');
  assert.equal(pattern, 'my\\u0020schema\\.a\\u002eb\\u002cc');
  const re = new RegExp(`^(?:${pattern})$`, 'i');
  assert.ok(re.test('my schema.a.b,c'));
  assert.ok(!re.test('my schema.aXb,c'));
});
