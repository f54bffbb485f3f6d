import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { LogicalName, type Schema } from '../plugins/api/index.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { CASES, createTypesTable } from '../connectors/source/postgres/test/type-cases.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

function kindOf(schema: Schema): string {
  return schema.name ?? schema.type;
}

function check(after: Record<string, unknown>, schema: Schema, phase: string): void {
  const row = schema.fields!.find((f) => f.name === 'after')!.schema;
  for (const [column, [, , expected, kind]] of Object.entries(CASES)) {
    const field = row.fields!.find((f) => f.name === column);
    assert.ok(field, `${phase}: field ${column} in the schema`);
    assert.equal(kindOf(field.schema), kind, `${phase}: schema of ${column}`);
    const got = after[column];
    if (expected instanceof Buffer) assert.deepEqual(Buffer.from(got as Uint8Array), expected, `${phase}: ${column}`);
    else assert.deepEqual(got, expected, `${phase}: ${column}`);
  }
}

test('every supported type round-trips exactly, in the snapshot and in the stream, and a column added mid-stream appears', async () => {
  const db = await server.createDatabase('types');
  const values = await createTypesTable((sql) => server.query(db, sql));
  const driver = new TaskDriver(testConfig(server.port, db));
  try {
    await driver.start();
    await driver.pollUntil((rs) => rs.length >= 1, 20_000, 'snapshot row');
    const snap = driver.records[0];
    assert.equal((snap.value as { op: string }).op, 'r');
    check((snap.value as { after: Record<string, unknown> }).after, snap.valueSchema!, 'snapshot');

    await server.query(db, `INSERT INTO all_types VALUES (2, ${values})`);
    await driver.pollUntil((rs) => rs.some((r) => (r.value as { op?: string })?.op === 'c'), 20_000, 'streamed insert');
    const streamed = driver.records.find((r) => (r.value as { op?: string })?.op === 'c')!;
    check((streamed.value as { after: Record<string, unknown> }).after, streamed.valueSchema!, 'stream');

    await server.query(db, `ALTER TABLE all_types ADD COLUMN c_added numeric(6,1) DEFAULT 7.5; INSERT INTO all_types (id, c_int2) VALUES (3, 1)`);
    await server.query(db, `ALTER TABLE all_types DROP COLUMN c_xml; UPDATE all_types SET c_int2 = 2 WHERE id = 3`);
    await driver.pollUntil((rs) => rs.filter((r) => (r.key as { id?: number })?.id === 3).length >= 2, 20_000, 'changes after ALTER');
    const [added, updated] = driver.records.filter((r) => (r.key as { id?: number })?.id === 3);
    const addedRow = (added.value as { after: Record<string, unknown> }).after;
    assert.equal(addedRow.c_added, '7.5');
    assert.ok(added.valueSchema!.fields![1].schema.fields!.some((f) => f.name === 'c_added' && f.schema.name === LogicalName.Decimal));
    const updatedFields = updated.valueSchema!.fields![1].schema.fields!.map((f) => f.name);
    assert.ok(!updatedFields.includes('c_xml') && updatedFields.includes('c_added'), 'dropped column leaves the schema');
    assert.ok(!('c_xml' in (updated.value as { after: Record<string, unknown> }).after));
  } finally {
    await driver.stop();
  }
});
