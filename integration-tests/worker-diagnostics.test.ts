import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';
import { tempDir } from './harness/temp.js';

const PLUGINS = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));

interface LogLine {
  level: number;
  msg: string;
  connector?: string;
  code?: string;
  err?: string;
  property?: string;
  suggestion?: string;
}

function logLines(worker: WorkerProcess): LogLine[] {
  return worker.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

// What an operator sees of a standalone worker (a real `tributary standalone` process, its REST
// API and its JSON log on stderr): configs with misspelled properties are warned about at start,
// and failures carry their error code in the status trace and in the log.
describe('worker diagnostics', () => {
  const dir = tempDir('diagnostics');
  let worker: WorkerProcess;

  before(async () => {
    const typos = writeProperties(join(dir.path, 'gen.properties'), {
      name: 'gen', 'connector.class': 'datagen', topic: 'diag.gen', 'max.records': '10',
      'rows.per.secnd': '5',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      transforms: 'unwrap', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState', 'transforms.unwrap.add.feilds': 'op',
    });
    // Every 3rd record has a date the transform cannot parse; errors.tolerance=none fails the task.
    const failing = writeProperties(join(dir.path, 'mixed.properties'), {
      name: 'mixed', 'connector.class': 'mixed-source', topic: 'diag.mixed', count: '20', 'bad.every': '3',
      transforms: 'when', 'transforms.when.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value',
      'transforms.when.field': 'when', 'transforms.when.format': 'yyyy-MM-dd', 'transforms.when.target.type': 'unix',
      'task.restart.auto.enabled': 'false',
    });
    worker = await startWorkerProcess(dir.path, { 'plugin.path': PLUGINS }, [typos, failing]);
  });

  after(async () => {
    await worker?.kill();
    dir.remove();
  });

  test('a failed task: its REST status trace starts with the error code, and the log line carries it', async () => {
    type Status = { tasks: { state: string; trace?: string }[] };
    const status = await eventually(async () => {
      const s = await getJson<Status>(`${worker.url}/connectors/mixed/status`);
      return s.tasks[0]?.state === 'FAILED' ? s : undefined;
    }, 20_000, 'the mixed task to fail');
    const trace = status.tasks[0].trace ?? '';
    assert.match(trace, /^errors\.tolerance_exceeded: Tolerance exceeded in error handler: TRANSFORMATION failed/, trace);
    assert.match(trace, /\nCaused by: record\.conversion_failed: Transformation "when"/, trace);
    const logged = await eventually(() => logLines(worker).find((l) => l.msg === 'task failed' && l.connector === 'mixed'), 5_000, 'the "task failed" log line');
    assert.equal(logged.code, 'errors.tolerance_exceeded');
    assert.match(logged.err ?? '', /^errors\.tolerance_exceeded: /);
  });

  test('a connector started with unknown properties: one warning each in the log, with a suggestion', async () => {
    const warnings = await eventually(() => {
      const found = logLines(worker).filter((l) => l.connector === 'gen' && l.level === 40 && l.property !== undefined);
      return found.length >= 2 ? found : undefined;
    }, 10_000, 'the unknown-property warnings of gen');
    const byProperty = new Map(warnings.map((w) => [w.property, w]));
    assert.equal(byProperty.get('rows.per.secnd')?.suggestion, 'rows.per.second');
    assert.match(byProperty.get('rows.per.secnd')?.msg ?? '', /rows\.per\.secnd.*did you mean "rows\.per\.second"/);
    assert.equal(byProperty.get('transforms.unwrap.add.feilds')?.suggestion, 'transforms.unwrap.add.fields');
    assert.equal(warnings.length, 2, `converter properties are not warned about, and each warning is logged once: ${JSON.stringify(warnings)}`);
    const status = await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/gen/status`);
    assert.equal(status.tasks[0]?.state, 'RUNNING', 'warnings do not stop a connector');
  });

  test('a refused config names its unknown properties too: a typo is often why a required one is missing', async () => {
    const res = await fetch(`${worker.url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'typo', config: { 'connector.class': 'datagen', topik: 'diag.typo' } }) });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'config.invalid');
    assert.match(body.message, /topic: Missing required configuration "topic"/);
    assert.match(body.message, /Unknown properties, ignored:\ntopik: Unknown property "topik" is ignored; did you mean "topic"\?/);
  });
});
