import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseConfig } from '../plugins/api/index.js';
import { postgresConfigSpec } from '../connectors/source/postgres/postgres-config-spec.js';
import { validatePostgres } from '../connectors/source/postgres/postgres-validator.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { makeTlsFiles, type TlsFiles } from './harness/tls-certs.js';

// A server that speaks TLS with a certificate from a throwaway CA and refuses plain connections
// (hostssl only): each database.sslmode gets what it promises, and both of the connector's
// connections (snapshot/queries and the replication stream) run over TLS.

let server: Awaited<ReturnType<typeof startPostgres>>;
let tls: TlsFiles;
const certs = tempDir('tls');

before(async () => {
  tls = makeTlsFiles(certs.path);
  server = await startPostgres({}, tls);
});
after(() => {
  server?.remove();
  certs.remove();
});

async function validate(raw: Record<string, string>): Promise<Record<string, string[]>> {
  const parsed = parseConfig(postgresConfigSpec, raw);
  assert.ok(parsed.ok, JSON.stringify(parsed.errors));
  return validatePostgres(parsed.value);
}

test('each sslmode connects or is refused with the property to fix', async () => {
  const db = await server.createDatabase('tls_modes');
  const base = testConfig(server.port, db);
  assert.deepEqual(await validate({ ...base, 'database.sslmode': 'require' }), {}, 'require: encrypted, certificate not checked');
  assert.deepEqual(await validate({ ...base, 'database.sslmode': 'verify-ca', 'database.sslrootcert': tls.caFile }), {});
  assert.deepEqual(await validate({ ...base, 'database.sslmode': 'verify-full', 'database.sslrootcert': tls.caFile }), {}, 'the certificate names 127.0.0.1');

  const plain = await validate({ ...base, 'database.sslmode': 'disable' });
  assert.match(plain['database.sslmode']?.[0] ?? JSON.stringify(plain), /only over TLS/);
  const wrongCa = await validate({ ...base, 'database.sslmode': 'verify-ca', 'database.sslrootcert': tls.otherCaFile });
  assert.match(wrongCa['database.sslrootcert']?.[0] ?? JSON.stringify(wrongCa), /not trusted/);
  const missingCa = await validate({ ...base, 'database.sslmode': 'verify-ca', 'database.sslrootcert': `${tls.caFile}.missing` });
  assert.match(missingCa['database.sslrootcert']?.[0] ?? JSON.stringify(missingCa), /Cannot read the CA file/);
  const wrongName = await validate({ ...base, 'database.hostname': 'localhost', 'database.sslmode': 'verify-full', 'database.sslrootcert': tls.caFile });
  assert.match(wrongName['database.hostname']?.[0] ?? JSON.stringify(wrongName), /does not name localhost/, 'a host name the certificate does not carry');
});

test('snapshot and stream run over verified TLS, the walsender included', async () => {
  const db = await server.createDatabase('tls_stream');
  await server.query(db, 'CREATE TABLE items (id int PRIMARY KEY, name text)');
  await server.query(db, "INSERT INTO items VALUES (1, 'snap')");
  const driver = new TaskDriver(testConfig(server.port, db, { 'database.sslmode': 'verify-full', 'database.sslrootcert': tls.caFile }));
  try {
    await driver.start();
    await driver.pollUntil((rs) => rs.some((r) => (r.value as { op?: string } | null)?.op === 'r'), 30_000, 'snapshot row');
    await server.query(db, "INSERT INTO items VALUES (2, 'streamed')");
    await driver.pollUntil((rs) => rs.some((r) => (r.value as { op?: string; after?: { name?: string } } | null)?.after?.name === 'streamed'), 30_000, 'streamed insert');
    const sessions = await server.query<{ backend_type: string; ssl: boolean }>('postgres',
      `SELECT a.backend_type, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1 AND a.application_name LIKE 'tributary%'`, [db]);
    const walsenders = sessions.filter((s) => s.backend_type === 'walsender');
    assert.ok(walsenders.length >= 1, `a walsender streams (${JSON.stringify(sessions)})`);
    assert.ok(sessions.every((s) => s.ssl), `every connector session uses TLS: ${JSON.stringify(sessions)}`);
  } finally {
    await driver.stop();
  }
});
