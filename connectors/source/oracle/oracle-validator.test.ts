import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseConfig } from '../../../plugins/api/index.js';
import { oracleConfigSpec, type OracleConfig } from './oracle-config-spec.js';
import { validateOracle } from './oracle-validator.js';
import { oracleDbSessions } from './session-factory.js';
import { FakeOracle } from './test/fake-oracle.js';
import { closedPort, startRefusingListener, startSilentListener } from './test/fake-tns-listener.js';
import { col, fakeConfig, fakeSessions, itemsTable } from './test/fake-setup.js';

const configOf = (raw: Record<string, string>) => {
  const parsed = parseConfig(oracleConfigSpec, raw);
  assert.ok(parsed.ok, JSON.stringify(parsed.errors));
  return parsed.value as OracleConfig;
};

describe('oracle validate', () => {
  test('a well set-up database has no problems', async () => {
    const db = new FakeOracle();
    itemsTable(db);
    assert.deepEqual(await validateOracle(configOf(fakeConfig()), fakeSessions(db)), {});
  });

  test('each problem is reported on the property that fixes it, with the SQL', async () => {
    const db = new FakeOracle();
    itemsTable(db).supplementalAll = false;
    db.createTable('APP', 'DOCS', [col('ID', 'NUMBER', 10, 0, false), col('BODY', 'CLOB')], ['ID']);
    db.logMode = 'NOARCHIVELOG';
    db.supplementalMin = 'NO';
    db.privileges.delete('LOGMINING');
    db.privileges.delete('FLASHBACK ANY TABLE');
    db.roles.delete('EXECUTE_CATALOG_ROLE');
    const problems = await validateOracle(configOf(fakeConfig()), fakeSessions(db));
    assert.deepEqual(Object.keys(problems).sort(), ['column.exclude.list', 'database.dbname', 'database.user', 'table.include.list']);
    assert.match(problems['database.dbname'].join('\n'), /ALTER DATABASE ARCHIVELOG/);
    assert.match(problems['database.dbname'].join('\n'), /ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;/);
    assert.match(problems['table.include.list'].join('\n'), /ALTER TABLE "APP"\."ITEMS" ADD SUPPLEMENTAL LOG DATA \(ALL\) COLUMNS;/);
    assert.match(problems['database.user'].join('\n'), /GRANT LOGMINING/);
    assert.match(problems['database.user'].join('\n'), /FLASHBACK on APP\.ITEMS is missing.*GRANT FLASHBACK ON "APP"\."ITEMS"/);
    assert.match(problems['database.user'].join('\n'), /EXECUTE_CATALOG_ROLE/);
    assert.match(problems['column.exclude.list'][0], /APP\.DOCS\.BODY/);
  });

  test('per-table FLASHBACK and SELECT grants stand in for the ANY TABLE privileges', async () => {
    const db = new FakeOracle();
    itemsTable(db);
    db.privileges.delete('FLASHBACK ANY TABLE');
    db.privileges.delete('SELECT ANY TABLE');
    db.tablePrivileges.set('APP.ITEMS', new Set(['SELECT']));
    const problems = await validateOracle(configOf(fakeConfig()), fakeSessions(db));
    assert.deepEqual(problems, { 'database.user': [problems['database.user'][0]] });
    assert.match(problems['database.user'][0], /^FLASHBACK on APP\.ITEMS is missing/);
    db.tablePrivileges.get('APP.ITEMS')!.add('FLASHBACK');
    assert.deepEqual(await validateOracle(configOf(fakeConfig()), fakeSessions(db)), {});
  });

  test('a CDB needs database.pdb.name, and the PDB must exist', async () => {
    const db = new FakeOracle();
    db.cdb = 'YES';
    db.pdbs.set('ORCLPDB1', 'READ WRITE');
    assert.match((await validateOracle(configOf(fakeConfig()), fakeSessions(db)))['database.pdb.name'][0], /is a CDB/);
    assert.match((await validateOracle(configOf(fakeConfig({ 'database.pdb.name': 'NOPE' })), fakeSessions(db)))['database.pdb.name'][0], /no pluggable database NOPE/);
    assert.deepEqual(await validateOracle(configOf(fakeConfig({ 'database.pdb.name': 'ORCLPDB1' })), fakeSessions(db)), {});
  });

  test('oracledb Thin against a closed loopback port: one line on database.hostname', async () => {
    const port = await closedPort();
    const problems = await validateOracle(configOf(fakeConfig({ 'database.hostname': '127.0.0.1', 'database.port': String(port) })), oracleDbSessions);
    assert.deepEqual(Object.keys(problems), ['database.hostname']);
    assert.equal(problems['database.hostname'].length, 1);
    assert.ok(!problems['database.hostname'][0].includes('\n'));
    assert.match(problems['database.hostname'][0], new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  test('oracledb Thin against a listener that never answers: connect.timeout.ms bounds it, one line on database.hostname', async () => {
    const listener = await startSilentListener();
    try {
      const problems = await validateOracle(configOf(fakeConfig({ 'database.hostname': '127.0.0.1', 'database.port': String(listener.port), 'connect.timeout.ms': '1000' })), oracleDbSessions);
      assert.deepEqual(Object.keys(problems), ['database.hostname']);
      assert.equal(problems['database.hostname'].length, 1);
      assert.match(problems['database.hostname'][0], /timed out/);
    } finally {
      await listener.close();
    }
  });

  test('oracledb Thin against a listener that knows no such service: one line on database.dbname', async () => {
    const listener = await startRefusingListener();
    try {
      const problems = await validateOracle(configOf(fakeConfig({ 'database.hostname': '127.0.0.1', 'database.port': String(listener.port), 'database.dbname': 'NOSUCH' })), oracleDbSessions);
      assert.deepEqual(Object.keys(problems), ['database.dbname']);
      assert.equal(problems['database.dbname'].length, 1);
      assert.match(problems['database.dbname'][0], /knows no service "NOSUCH"/);
    } finally {
      await listener.close();
    }
  });

  test('`tributary validate` prints one error line per property and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oracle-validate-'));
    const listener = await startRefusingListener();
    try {
      const port = await closedPort();
      const run = async (props: Record<string, string>) => {
        const file = join(dir, `${Object.keys(props).length}-${Math.random()}.properties`);
        writeFileSync(file, Object.entries({ 'connector.class': 'io.debezium.connector.oracle.OracleConnector', name: 'ora', 'topic.prefix': 'ora', 'database.user': 'c##dbzuser', 'database.password': 'x', ...props }).map(([k, v]) => `${k}=${v}`).join('\n'));
        const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'validate', file], { cwd: new URL('../../..', import.meta.url).pathname }).then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
        return { code: result.code, errors: result.stdout.split('\n').filter((l) => l.startsWith('  - ')) };
      };
      const unreachable = await run({ 'database.hostname': '127.0.0.1', 'database.port': String(port), 'database.dbname': 'ORCLCDB' });
      assert.equal(unreachable.code, 1);
      assert.equal(unreachable.errors.length, 1, unreachable.errors.join('\n'));
      assert.match(unreachable.errors[0], /^ {2}- database\.hostname: Cannot connect to 127\.0\.0\.1:\d+/);
      const wrongService = await run({ 'database.hostname': '127.0.0.1', 'database.port': String(listener.port), 'database.dbname': 'NOSUCH' });
      assert.equal(wrongService.code, 1);
      assert.deepEqual(wrongService.errors.map((l) => l.split(':')[0]), ['  - database.dbname']);
    } finally {
      await listener.close();
    }
  });
});
