/**
 * A stand-in worker process for crash tests: runs the task, appends every polled record to a
 * JSON-lines file (fsync'ed, as a durable sink would), then stores the offset atomically (write,
 * fsync, rename) and only then calls `commit`, the runtime's order. Killed with SIGKILL by tests.
 *
 * usage: tsx file-worker.ts <config.json> <records.jsonl> <offset.json>
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { toJsonText } from '../../../../plugins/api/index.js';
import { TaskDriver } from './task-driver.js';

const [configPath, recordsPath, offsetPath] = process.argv.slice(2);
const raw = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, string>;
const stored = existsSync(offsetPath) ? JSON.parse(readFileSync(offsetPath, 'utf8')) : null;
const driver = new TaskDriver(raw, stored);
await driver.start();
const out = openSync(recordsPath, 'a');
let last = Date.now();
for (;;) {
  const batch = await driver.pollOnce();
  if (batch.length > 0) {
    const lines = batch.map((r) => toJsonText({ position: r.position, topic: r.topic, key: r.key, value: r.value === null ? null : { op: (r.value as { op: string }).op, after: (r.value as { after: unknown }).after } }) + '\n').join('');
    writeSync(out, lines);
  }
  if (Date.now() - last > 200) {
    last = Date.now();
    fsyncSync(out);
    if (driver.storedOffsetCandidate) {
      const tmp = offsetPath + '.tmp';
      const fd = openSync(tmp, 'w');
      writeSync(fd, JSON.stringify(driver.storedOffsetCandidate));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, offsetPath);
      await driver.commit();
    }
  }
  driver.records.length = 0;
}
