import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';

/** Every ```sh block of docs/rest-api.md, run in order with bash against a live worker. */
test('every curl example in docs/rest-api.md succeeds against a live worker', async () => {
  const doc = readFileSync(new URL('./rest-api.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 8, 'the REST doc has its examples');
  const worker = await startEmbeddedWorker({ rest: true, workerProps: { 'offset.flush.interval.ms': '200' } });
  try {
    const base = new URL(worker.url!);
    for (const block of blocks) {
      assert.match(block, /curl /);
      const script = `set -euo pipefail\n${block.replaceAll('http://localhost:8083', `http://${base.host}`)}`;
      // Asynchronously: the worker answering curl lives in this process.
      const run = await promisify(execFile)('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 }).then(
        (r) => ({ ok: true, ...r }),
        (e: { stdout?: string; stderr?: string }) => ({ ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
      );
      assert.ok(run.ok, `this example failed:\n${block}\nstderr: ${run.stderr}\nstdout: ${run.stdout.slice(0, 2000)}`);
      // Offsets exist only once a commit ran; the stop in the offsets block commits on its own.
      await worker.commitNow();
    }
    assert.deepEqual(await worker.herder.connectors(), [], 'the examples clean up after themselves');
  } finally {
    await worker.stop();
  }
});
