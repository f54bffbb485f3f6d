import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { startEmbeddedDatabase } from '../cli/quickstart/embedded-database.js';
import { removeServerData, resolveDataDir } from '../cli/quickstart/embedded-placement.js';
import { freePort } from './harness/ports.js';
import { changedModes, checkoutInPrivateFolder, ensureTestUser, folderModes, postgresProcessesOn, printedLakeCommands, runPrinted, runQuickstart, type QuickstartRun } from './harness/quickstart-process.js';

// The acceptance runs the main job for 60 s before interrupting it; QUICKSTART_SECONDS shortens it locally.
const RUN_SECONDS = Number(process.env.QUICKSTART_SECONDS ?? 60);
const isRoot = process.getuid?.() === 0;

/** Starts the quickstart's own (persistent) embedded database again, to read its final state. */
async function currentRows(dataDir: string): Promise<{ customers: Record<string, unknown>[]; orders: Record<string, unknown>[] }> {
  const db = await startEmbeddedDatabase(dataDir, await freePort());
  const client = new pg.Client(db.connection);
  await client.connect();
  try {
    const customers = (await client.query('SELECT id, name, email, external_id::text AS external_id FROM customers ORDER BY id')).rows;
    const orders = (await client.query('SELECT id::text AS id, customer_id, amount::text AS amount, status, order_ref::text AS order_ref FROM orders ORDER BY orders.id')).rows;
    return { customers, orders };
  } finally {
    await client.end();
    await db.stop();
  }
}

/** Runs the per-table commands the summary printed, pasted into a shell in `cwd`, and compares them with the database. */
async function assertLakeMatchesDatabase(run: QuickstartRun, cwd: string): Promise<void> {
  assert.equal(run.code, 0, `quickstart exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  assert.match(run.stdout, /Stopped\. \d+ Parquet file\(s\) under lake\//);
  const commands = printedLakeCommands(run.stdout);
  assert.equal(commands.length, 2, `one command per demo table:\n${run.stdout}`);
  const byTable = Object.fromEntries(commands.map((c) => [c.endsWith('quickstart.public.orders') ? 'orders' : 'customers', runPrinted(c, cwd)] as const));
  const database = await currentRows(join(cwd, '.tributary/quickstart/pgdata'));
  const customers = byTable.customers.map((r) => ({ id: r.id, name: r.name, email: r.email, external_id: r.external_id }));
  assert.deepEqual(customers, database.customers);
  const orders = byTable.orders.map((r) => ({ id: String(r.id), customer_id: r.customer_id, amount: String(r.amount), status: r.status, order_ref: r.order_ref }));
  assert.deepEqual(orders.map((o) => ({ ...o, amount: Number(o.amount).toFixed(2) })), database.orders);
}

describe('tributary quickstart', () => {
  const cleanups: (() => void)[] = [];
  after(() => cleanups.reverse().forEach((c) => c()));

  // From a checkout inside a 0700 folder, as a user's home is: as root the server runs as
  // `postgres`, which cannot reach it, and no folder the project does not own may be opened for it.
  test(`the main job runs ${RUN_SECONDS} s from a checkout inside a 0700 folder, changes no folder's mode, and the printed commands return the tables' current rows`, async () => {
    const copy = checkoutInPrivateFolder();
    cleanups.push(copy.remove, () => removeServerData(join(copy.checkout, '.tributary/quickstart/pgdata')));
    const modes = folderModes(copy.checkout, copy.parent);
    const run = await runQuickstart(copy.checkout, ['--port', String(await freePort())], { seconds: RUN_SECONDS, checkout: copy.checkout });
    assert.deepEqual(changedModes(modes), [], 'folder modes changed');
    assert.deepEqual(postgresProcessesOn(resolveDataDir(join(copy.checkout, '.tributary/quickstart/pgdata'))), [], 'PostgreSQL still runs');
    await assertLakeMatchesDatabase(run, copy.checkout);
  });

  // As root this runs the command as a dedicated non-root account; as a non-root user, as that user.
  test('as a user other than root, from a checkout inside its 0700 folder', async () => {
    const user = isRoot ? ensureTestUser() : undefined;
    const copy = checkoutInPrivateFolder(user);
    cleanups.push(copy.remove);
    const modes = folderModes(copy.checkout, copy.parent);
    const run = await runQuickstart(copy.checkout, ['--port', String(await freePort())], { seconds: Math.min(RUN_SECONDS, 20), checkout: copy.checkout, user });
    assert.equal(run.code, 0, `quickstart as uid ${user?.uid ?? process.getuid?.()} exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    assert.deepEqual(changedModes(modes), [], 'folder modes changed');
    const commands = printedLakeCommands(run.stdout);
    assert.equal(commands.length, 2);
    for (const c of commands) assert.ok(runPrinted(c, copy.checkout, user).length > 0, 'the lake holds rows');
  });
});
