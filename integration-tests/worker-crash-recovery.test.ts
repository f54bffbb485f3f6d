import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { eventually, getJson, startWorkerProcess, writeProperties } from './harness/worker-process.js';
import { tempDir } from './harness/temp.js';

const PLUGINS = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));

function committedSeq(offsetFile: string): number {
  const body = JSON.parse(readFileSync(offsetFile, 'utf8')).body as { source: Record<string, { seq: number }> };
  return body.source['["gen",{"datagen":"crash.t"}]']?.seq ?? 0;
}

function flushedSeqs(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map(Number);
}

describe('standalone worker: kill -9 and resume', () => {
  const dir = tempDir('crash');
  after(() => dir.remove());

  test('every committed seq was flushed, and after a restart the sink sees no gap', async () => {
    const seqFile = join(dir.path, 'flushed.txt');
    const offsetFile = join(dir.path, 'state', 'connect.offsets');
    const sink = writeProperties(join(dir.path, 'sink.properties'), { name: 'rec', 'connector.class': 'seq-recorder', topics: 'crash.t', 'seq.file': seqFile });
    const source = writeProperties(join(dir.path, 'source.properties'), { name: 'gen', 'connector.class': 'datagen', topic: 'crash.t', 'rows.per.second': '5000', ops: 'cdc', keys: '100' });
    const props = { 'offset.flush.interval.ms': '150', 'plugin.path': PLUGINS };

    const first = await startWorkerProcess(dir.path, props, [sink, source]);
    await eventually(() => (existsSync(offsetFile) && committedSeq(offsetFile) > 3000 ? true : undefined), 30_000, 'offsets past seq 3000');
    await first.kill('SIGKILL');

    const committed = committedSeq(offsetFile);
    const beforeRestart = flushedSeqs(seqFile);
    const flushed = new Set(beforeRestart);
    for (let seq = 1; seq <= committed; seq++) assert.ok(flushed.has(seq), `seq ${seq} is committed but was never flushed`);

    const second = await startWorkerProcess(dir.path, props, [sink, source]);
    const target = Math.max(...beforeRestart) + 2000;
    await eventually(() => (flushedSeqs(seqFile).some((s) => s > target) ? true : undefined), 30_000, 'the sink to pass the pre-crash maximum');
    assert.equal(await second.kill('SIGTERM'), 0, `graceful stop exits 0:\n${second.stderr()}`);

    const all = flushedSeqs(seqFile);
    const afterRestart = all.slice(beforeRestart.length);
    assert.ok(afterRestart[0] <= committed + 1, `the sink resumed at ${afterRestart[0]}, after the committed ${committed}`);
    const seen = new Set(all);
    const max = Math.max(...all);
    for (let seq = 1; seq <= max; seq++) assert.ok(seen.has(seq), `seq ${seq} never reached the sink`);
    for (let i = 1; i < afterRestart.length; i++) assert.equal(afterRestart[i], afterRestart[i - 1] + 1, 'after the restart seqs arrive in order without gaps');
    // A clean stop commits everything the sink flushed.
    assert.equal(committedSeq(offsetFile), max);
  });
});

describe('standalone worker: offset file generations', () => {
  const dir = tempDir('offsets');
  after(() => dir.remove());
  const offsetFile = join(dir.path, 'state', 'connect.offsets');
  const props = { 'offset.flush.interval.ms': '100', 'plugin.path': PLUGINS };

  test('a corrupt newest generation falls back to the previous one', async () => {
    const sink = writeProperties(join(dir.path, 'sink.properties'), { name: 'rec', 'connector.class': 'seq-recorder', topics: 'crash.t', 'seq.file': join(dir.path, 'seqs.txt') });
    const source = writeProperties(join(dir.path, 'source.properties'), { name: 'gen', 'connector.class': 'datagen', topic: 'crash.t', 'max.records': '500' });
    const first = await startWorkerProcess(dir.path, props, [sink, source]);
    await eventually(() => (existsSync(`${offsetFile}.2`) && committedSeq(offsetFile) === 500 ? true : undefined), 20_000, 'three generations');
    assert.equal(await first.kill('SIGTERM'), 0);

    const previous = JSON.parse(readFileSync(`${offsetFile}.1`, 'utf8')) as { generation: number };
    writeFileSync(offsetFile, readFileSync(offsetFile, 'utf8').slice(0, 40));
    const second = await startWorkerProcess(dir.path, props, [sink, source]);
    const offsets = await getJson<{ offsets: { offset: { seq: number } }[] }>(`${second.url}/connectors/gen/offsets`);
    assert.equal(offsets.offsets.length, 1);
    assert.ok(second.stderr().includes('newest offset file generation is unreadable'), 'a warning names the fallback');
    assert.ok(second.stderr().includes(`"generation":${previous.generation}`), 'it resumed from the previous generation');
    assert.equal(await second.kill('SIGTERM'), 0);
  });

  test('every generation corrupt: a clear error and a non-zero exit', async () => {
    for (const suffix of ['', '.1', '.2']) writeFileSync(`${offsetFile}${suffix}`, '{"format":"tributary-offsets", "trunc');
    const third = await startWorkerProcess(dir.path, props, [], { expectExit: true });
    const code = await Promise.race([third.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 30_000))]);
    if (code === 'running') await third.kill();
    assert.notEqual(code, 0);
    assert.match(third.stderr(), /No generation of the offset file .* is readable/);
  });
});
