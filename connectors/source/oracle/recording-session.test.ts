import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SourceTaskDriver } from '../../../plugins/testing/index.js';
import { oracleConfigSpec, type OracleConfig } from './oracle-config-spec.js';
import { OracleSourceTask } from './oracle-source-task.js';
import { readRecording, RecordingSession, ReplaySession } from './recording-session.js';
import type { SessionFactory } from './session-factory.js';
import { FakeLogMinerSession } from './test/fake-logminer-session.js';
import { FakeOracle } from './test/fake-oracle.js';
import { fakeConfig, itemsTable, summary } from './test/fake-setup.js';

/**
 * Records a run against the fake into JSONL (as `session.record.file` does against a real
 * Oracle), then plays the recording back to a new task: the same records come out, and a
 * statement the recording does not hold is reported as a divergence.
 */
test('a recorded session replays: the same records, statement for statement', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oracle-record-'));
  const db = new FakeOracle();
  const items = itemsTable(db);
  db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'snap', QTY: '1' }));
  let sessions = 0;
  const files: string[] = [];
  const recording: SessionFactory = async () => {
    const file = join(dir, `session-${++sessions}.jsonl`);
    files.push(file);
    return new RecordingSession(new FakeLogMinerSession(db), file);
  };
  // a heartbeat-free config with fixed windows, so the replayed run asks the same questions
  const raw = fakeConfig({ 'log.mining.sleep.time.default.ms': '0', 'log.mining.sleep.time.min.ms': '0', 'log.mining.sleep.time.increment.ms': '0' });
  const run = async (factory: SessionFactory) => {
    const driver = new SourceTaskDriver<OracleConfig>({ task: new OracleSourceTask(factory), spec: oracleConfigSpec, raw, partition: { server: 'ora' } });
    await driver.start();
    return driver;
  };
  const first = await run(recording);
  await first.pollUntil((rs) => rs.length >= 1, 10_000, 'snapshot');
  db.autocommit((tx) => tx.update(items, [...db.committedRows('APP', 'ITEMS').keys()][0], { QTY: '2' }));
  await first.pollUntil((rs) => rs.length >= 2, 10_000, 'update');
  await first.stop();
  const lines = readRecording(files[0]);
  assert.ok(lines.some((l) => /START_LOGMNR/.test(l.sql)), 'the mining session is recorded');
  assert.ok(readRecording(files[1]).some((l) => /AS OF SCN/.test(l.sql)), 'the snapshot session is recorded');
  assert.ok(lines.every((l) => typeof l.sql === 'string' && Array.isArray(l.rows)));

  let replayed = 0;
  const replays: ReplaySession[] = [];
  const replaying: SessionFactory = async () => {
    const s = new ReplaySession(readRecording(files[replayed++]));
    replays.push(s);
    return s;
  };
  const second = await run(replaying);
  try {
    await second.pollUntil((rs) => rs.length >= 2, 10_000, 'the replayed records');
    assert.deepEqual(second.records.slice(0, 2).map(summary), first.records.slice(0, 2).map(summary));
    assert.deepEqual(second.records.slice(0, 2).map((r) => r.position), first.records.slice(0, 2).map((r) => r.position));
  } finally {
    await second.stop();
  }
  await assert.rejects(replays[0].execute('SELECT 1 FROM DUAL'), /replay diverged/);
});
