import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { tempDir } from './harness/temp.js';
import { writeProperties } from './harness/worker-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PLUGINS = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));

function tributary(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/tributary.js'), ...args], { cwd: ROOT, env: { ...process.env, TRIBUTARY_FROM_SOURCE: '1' }, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('tributary CLI', () => {
  const dir = tempDir('cli');
  after(() => dir.remove());

  test('validate: a valid config exits 0, an invalid one lists every problem and exits 1', () => {
    const good = writeProperties(join(dir.path, 'good.properties'), { name: 'g', 'connector.class': 'datagen', topic: 't' });
    assert.equal(tributary('validate', good).code, 0);
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'b', config: { 'connector.class': 'io.tributary.connect.datagen.DatagenConnector', 'tasks.max': 'many', 'rows.per.second': '-1', 'errors.tolerance': 'some' } }));
    const result = tributary('validate', bad);
    assert.equal(result.code, 1);
    for (const property of ['topic', 'tasks.max', 'rows.per.second', 'errors.tolerance']) assert.match(result.out, new RegExp(`- ${property.replace('.', '\\.')}: `));
    const json = JSON.parse(tributary('validate', '--json', bad).out) as { error_count: number };
    assert.equal(json.error_count, 4);
  });

  test('validate: unknown properties are warned about with a suggestion; the config stays valid (exit 0) unless --strict', () => {
    const file = writeProperties(join(dir.path, 'typos.properties'), {
      name: 'lake', 'connector.class': 'files', topics: 'shop.public.orders', 'store.url': `file://${join(dir.path, 'lake')}`,
      'flush.szie': '1000', 'value.converter.schemas.enable': 'false', 'database.server.name': 'shop',
    });
    const result = tributary('validate', file);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /typos\.properties: valid \(files\), 2 warning\(s\)\n/);
    assert.match(result.out, /\n {2}warning: flush\.szie: Unknown property "flush\.szie" is ignored; did you mean "flush\.size"\?\n/);
    assert.match(result.out, /\n {2}warning: database\.server\.name: Unknown property "database\.server\.name" is ignored/);
    assert.doesNotMatch(result.out, /value\.converter/, 'converter properties are known');
    assert.equal(tributary('validate', '--strict', file).code, 1, '--strict refuses warnings too');
    const json = JSON.parse(tributary('validate', '--json', file).out) as { error_count: number; warnings: { name: string; suggestion?: string }[] };
    assert.equal(json.error_count, 0);
    assert.deepEqual(json.warnings.map((w) => [w.name, w.suggestion]), [['flush.szie', 'flush.size'], ['database.server.name', undefined]]);
    const invalid = writeProperties(join(dir.path, 'typo-and-missing.properties'), { name: 'g', 'connector.class': 'datagen', topik: 't' });
    const both = tributary('validate', invalid);
    assert.equal(both.code, 1);
    assert.match(both.out, /: 1 problem\(s\), 1 warning\(s\)\n {2}- topic: Missing required configuration "topic"[^\n]*\n {2}warning: topik: [^\n]*did you mean "topic"\?/);
  });

  test('validate: an unknown connector.class names the available connectors', () => {
    const file = writeProperties(join(dir.path, 'unknown.properties'), { name: 'u', 'connector.class': 'com.example.NoSuchConnector' });
    const result = tributary('validate', file);
    assert.equal(result.code, 1);
    assert.match(result.out, /connector\.class: .*NoSuchConnector.*datagen/);
  });

  test('plugins lists connectors with their class names and the transforms', () => {
    const result = tributary('plugins', '--plugin-path', PLUGINS);
    assert.equal(result.code, 0);
    assert.match(result.out, /source\s+datagen .*io\.tributary\.connect\.datagen\.DatagenConnector/);
    assert.match(result.out, /sink\s+seq-recorder/);
    assert.match(result.out, /io\.debezium\.transforms\.ExtractNewRecordState/);
  });

  test('standalone: an invalid worker config refuses to start, listing every problem, exit 2', () => {
    const worker = writeProperties(join(dir.path, 'worker.properties'), { listeners: 'ftp://nowhere', 'offset.flush.interval.ms': 'often', 'rest.auth.type': 'bearer' });
    const result = tributary('standalone', worker);
    assert.equal(result.code, 2);
    assert.match(result.err, /listeners: /);
    assert.match(result.err, /offset\.flush\.interval\.ms: /);
    assert.match(result.err, /rest\.auth\.bearer\.token: /);
  });

  test('--help describes every command', () => {
    const result = tributary('--help');
    for (const command of ['quickstart', 'standalone', 'validate', 'plugins']) assert.match(result.out, new RegExp(command));
  });
});

describe('secrets', () => {
  const dir = tempDir('secrets');
  after(() => dir.remove());

  test('password properties are never returned by the REST API nor logged', async () => {
    const logs: string[] = [];
    const { Writable } = await import('node:stream');
    const sinkLog = new Writable({ write: (chunk, _e, done) => { logs.push(String(chunk)); done(); } });
    const { startStandalone } = await import('../cli/standalone-worker.js');
    const runtime = await startStandalone({ workerProps: { 'state.dir': join(dir.path, 'state'), listeners: 'http://127.0.0.1:0', 'plugin.path': PLUGINS, 'log.level': 'debug' }, logDestination: sinkLog });
    try {
      const base = runtime.url!;
      const secret = 's3cr3t-value-that-must-not-leak';
      const put = await fetch(`${base}/connectors/rec/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'connector.class': 'jsonl-recorder', topics: 'x', 'output.file': join(dir.path, 'out.jsonl'), 'api.token': secret }) });
      assert.equal(put.status, 201);
      const bodies = await Promise.all(['/connectors/rec', '/connectors/rec/config', '/connectors/rec/tasks', '/connectors?expand=info'].map(async (p) => (await fetch(base + p)).text()));
      for (const body of bodies) {
        assert.ok(!body.includes(secret), `a REST answer shows the secret: ${body}`);
      }
      assert.match(bodies[1], /"api\.token":"\[hidden\]"/);
      // Putting back what GET returned keeps the stored secret rather than storing "[hidden]".
      const config = JSON.parse(bodies[1]) as Record<string, string>;
      assert.equal((await fetch(`${base}/connectors/rec/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) })).status, 200);
      const { readFileSync } = await import('node:fs');
      assert.ok(readFileSync(join(dir.path, 'state', 'connectors', 'rec.json'), 'utf8').includes(secret), 'the stored config keeps the real secret');
      const bad = await fetch(`${base}/connector-plugins/jsonl-recorder/config/validate`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'connector.class': 'jsonl-recorder', 'api.token': secret }) });
      assert.ok(!(await bad.text()).includes(secret), 'the validation report hides it');
      await runtime.worker.commitOffsets();
    } finally {
      await runtime.stop();
    }
    assert.ok(logs.length > 0);
    assert.ok(!logs.join('').includes('s3cr3t-value-that-must-not-leak'), 'the logs never contain the secret');
  });
});
