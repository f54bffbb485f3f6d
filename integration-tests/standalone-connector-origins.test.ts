import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';
import { tempDir } from './harness/temp.js';

interface LogLine {
  level: number;
  msg: string;
  connector?: string;
  file?: string;
  connectors?: { name: string; from: string; file?: string; targetState: string }[];
}

const INFO = 30;
const WARN = 40;

function logLines(worker: WorkerProcess): LogLine[] {
  return worker.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

/** The one start-up line that lists every connector with where it came from. */
function loaded(worker: WorkerProcess): LogLine {
  const lines = logLines(worker).filter((l) => Array.isArray(l.connectors));
  assert.equal(lines.length, 1, `one start-up line lists the connectors:\n${worker.stderr()}`);
  assert.equal(lines[0]!.level, INFO);
  return lines[0]!;
}

async function names(worker: WorkerProcess): Promise<string[]> {
  return getJson<string[]>(`${worker.url}/connectors`);
}

async function stop(worker: WorkerProcess): Promise<void> {
  assert.equal(await worker.kill('SIGTERM'), 0, `a graceful stop exits 0:\n${worker.stderr()}`);
}

async function call(method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A slow datagen source; its stdout sink is given alongside so its offsets are committed. */
function datagen(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { name, 'connector.class': 'datagen', topic: `origins.${name}`, 'rows.per.second': '20', ...extra };
}

// `tributary standalone` as connect-standalone: the command line is the source of truth for the
// connectors it names, and connectors created over REST are kept in state.dir across restarts
// (docs/operations.md, "Connectors from the command line and from REST"). Real worker processes,
// restarted in the same state.dir.
describe('standalone: connectors from the command line and from REST', () => {
  const dirs: { remove(): void }[] = [];
  after(() => dirs.forEach((d) => d.remove()));
  const fresh = (label: string) => {
    const dir = tempDir(`origins-${label}`);
    dirs.push(dir);
    return dir.path;
  };
  const props = { 'offset.flush.interval.ms': '200' };

  test('a connector on an earlier command line is not started by a later one, keeps its offsets, and resumes when named again', async () => {
    const dir = fresh('cli');
    const print = writeProperties(join(dir, 'print.properties'), { name: 'print', 'connector.class': 'stdout', topics: 'origins.a,origins.b' });
    const a = writeProperties(join(dir, 'a.properties'), datagen('a'));
    const b = writeProperties(join(dir, 'b.properties'), datagen('b'));
    type Offsets = { offsets: { offset: { seq: number } }[] };

    const first = await startWorkerProcess(dir, props, [print, a]);
    const committed = await eventually(async () => {
      const seq = (await getJson<Offsets>(`${first.url}/connectors/a/offsets`)).offsets[0]?.offset.seq ?? 0;
      return seq > 0 ? seq : undefined;
    }, 20_000, "a's offsets to be committed");
    await stop(first);

    const second = await startWorkerProcess(dir, props, [print, b]);
    try {
      assert.deepEqual(await names(second), ['b', 'print']);
      assert.equal((await call('GET', `${second.url}/connectors/a`)).status, 404);
      const notStarted = logLines(second).find((l) => l.connector === 'a');
      assert.ok(notStarted, `a log line names a:\n${second.stderr()}`);
      assert.equal(notStarted.level, INFO);
      assert.equal(notStarted.file, a);
      assert.match(notStarted.msg, /not started/);
      assert.match(notStarted.msg, /earlier command line/);
      assert.match(notStarted.msg, /offsets stay/);
      assert.ok(!existsSync(join(dir, 'state', 'connectors', 'a.json')), "a's stored config is removed");
      assert.deepEqual(loaded(second).connectors, [
        { name: 'b', from: 'command-line', file: b, targetState: 'RUNNING' },
        { name: 'print', from: 'command-line', file: print, targetState: 'RUNNING' },
      ]);
    } finally {
      await stop(second);
    }
    assert.ok(readFileSync(join(dir, 'state', 'connect.offsets'), 'utf8').includes('[\\"a\\",'), "the offset file keeps a's offsets");

    const third = await startWorkerProcess(dir, props, [print, a]);
    try {
      const resumed = (await getJson<Offsets>(`${third.url}/connectors/a/offsets`)).offsets[0]?.offset.seq ?? 0;
      assert.ok(resumed >= committed, `a resumes from its offsets (${resumed} ≥ ${committed})`);
    } finally {
      await stop(third);
    }
  });

  test('a connector created over REST survives restarts with and without command-line connectors', async () => {
    const dir = fresh('rest');
    const a = writeProperties(join(dir, 'a.properties'), datagen('a'));
    const b = writeProperties(join(dir, 'b.properties'), datagen('b'));

    const first = await startWorkerProcess(dir, props, [a]);
    try {
      const created = await call('POST', `${first.url}/connectors`, { name: 'r', config: datagen('r'), initial_state: 'PAUSED' });
      assert.equal(created.status, 201, await created.text());
    } finally {
      await stop(first);
    }

    const bare = await startWorkerProcess(dir, props);
    try {
      assert.deepEqual(await names(bare), ['r'], 'without a command-line connector only the REST one runs');
      assert.deepEqual(loaded(bare).connectors, [{ name: 'r', from: 'rest', targetState: 'PAUSED' }]);
      assert.match(loaded(bare).msg, /r from .*state[/\\]connectors.*REST.*PAUSED/);
    } finally {
      await stop(bare);
    }

    const withB = await startWorkerProcess(dir, props, [b]);
    try {
      assert.deepEqual(await names(withB), ['b', 'r']);
      assert.equal((await getJson<{ connector: { state: string } }>(`${withB.url}/connectors/r/status`)).connector.state, 'PAUSED');
      assert.deepEqual(loaded(withB).connectors, [
        { name: 'b', from: 'command-line', file: b, targetState: 'RUNNING' },
        { name: 'r', from: 'rest', targetState: 'PAUSED' },
      ]);
    } finally {
      await stop(withB);
    }
  });

  test('a command-line connector paused over REST stays paused with the same file; a REST config change lasts until the next start', async () => {
    const dir = fresh('pause');
    const a = writeProperties(join(dir, 'a.properties'), datagen('a'));

    const first = await startWorkerProcess(dir, props, [a]);
    try {
      assert.equal((await call('PUT', `${first.url}/connectors/a/pause`)).status, 202);
      const put = await call('PUT', `${first.url}/connectors/a/config`, datagen('a', { 'rows.per.second': '7' }));
      assert.equal(put.status, 200, await put.text());
      // the log line reaches this process's pipe a moment after the answer
      const reconfigured = await eventually(() => logLines(first).find((l) => l.connector === 'a' && /reconfigured/.test(l.msg)), 5000, 'the reconfigured line');
      assert.equal(reconfigured.file, a);
      assert.match(reconfigured.msg, /until the next start/);
    } finally {
      await stop(first);
    }

    const second = await startWorkerProcess(dir, props, [a]);
    try {
      assert.equal((await getJson<{ connector: { state: string } }>(`${second.url}/connectors/a/status`)).connector.state, 'PAUSED');
      assert.equal((await getJson<Record<string, string>>(`${second.url}/connectors/a/config`))['rows.per.second'], '20', "the file's config wins at start");
      assert.deepEqual(loaded(second).connectors, [{ name: 'a', from: 'command-line', file: a, targetState: 'PAUSED' }]);
    } finally {
      await stop(second);
    }
  });

  test('a file on the command line replaces a REST-created connector of the same name, and says so', async () => {
    const dir = fresh('clash');
    const first = await startWorkerProcess(dir, props);
    try {
      assert.equal((await call('POST', `${first.url}/connectors`, { name: 'x', config: datagen('x', { 'rows.per.second': '7' }) })).status, 201);
    } finally {
      await stop(first);
    }
    const x = writeProperties(join(dir, 'x.properties'), datagen('x'));
    const second = await startWorkerProcess(dir, props, [x]);
    try {
      assert.equal((await getJson<Record<string, string>>(`${second.url}/connectors/x/config`))['rows.per.second'], '20');
      const replaced = logLines(second).find((l) => l.connector === 'x' && l.level === WARN);
      assert.ok(replaced, second.stderr());
      assert.equal(replaced.file, x);
      assert.match(replaced.msg, /created over REST/);
      assert.deepEqual(loaded(second).connectors, [{ name: 'x', from: 'command-line', file: x, targetState: 'RUNNING' }]);
    } finally {
      await stop(second);
    }
  });

  test('a state dir written before origins were recorded: its connectors start as REST-created, with a warning naming each', async () => {
    const dir = fresh('legacy');
    const stored = join(dir, 'state', 'connectors');
    mkdirSync(stored, { recursive: true });
    // the stored form before origins: name, config, targetState
    writeFileSync(join(stored, 'old.json'), JSON.stringify({ name: 'old', config: datagen('old'), targetState: 'PAUSED' }, null, 2) + '\n');
    writeFileSync(join(stored, 'cli.json'), JSON.stringify({ name: 'cli', config: datagen('cli', { 'rows.per.second': '7' }), targetState: 'RUNNING' }, null, 2) + '\n');
    const cli = writeProperties(join(dir, 'cli.properties'), datagen('cli'));

    const worker = await startWorkerProcess(dir, props, [cli]);
    try {
      assert.deepEqual(await names(worker), ['cli', 'old']);
      assert.equal((await getJson<{ connector: { state: string } }>(`${worker.url}/connectors/old/status`)).connector.state, 'PAUSED');
      const warning = logLines(worker).find((l) => l.connector === 'old' && l.level === WARN);
      assert.ok(warning, worker.stderr());
      assert.match(warning.msg, /no recorded origin/);
      assert.match(warning.msg, /DELETE \/connectors\/old/);
      // (its task may warn that no sink takes its topic: that is not about where it came from)
      assert.ok(!logLines(worker).some((l) => l.connector === 'cli' && l.level === WARN && /recorded origin|created over REST/.test(String(l.msg))), 'a legacy connector named on the command line is simply the file\'s');
      assert.deepEqual(loaded(worker).connectors, [
        { name: 'cli', from: 'command-line', file: cli, targetState: 'RUNNING' },
        { name: 'old', from: 'unknown', targetState: 'PAUSED' },
      ]);
      assert.deepEqual(JSON.parse(readFileSync(join(stored, 'cli.json'), 'utf8')).origin, { type: 'command-line', file: cli });
      assert.equal(JSON.parse(readFileSync(join(stored, 'old.json'), 'utf8')).origin, undefined, 'left as it was, so the warning repeats until someone decides');
    } finally {
      await stop(worker);
    }
  });
});
