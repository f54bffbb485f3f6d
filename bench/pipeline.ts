/**
 * Benchmark: datagen → in-memory bus → null sink, in one embedded worker, with transforms off
 * and with Debezium's unwrap (ExtractNewRecordState). Prints records/s and the p99 latency the
 * pipeline adds (record built → sink put). Run: `node --import tsx bench/pipeline.ts [records]`.
 */
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { nullSinkStats } from './fixtures/null-sink.js';

const RECORDS = Number(process.argv[2] ?? 2_000_000);
// The same young-generation size bin/tributary.js sets for the worker.
if (!process.execArgv.some((a) => a.includes('semi-space'))) v8.setFlagsFromString('--max-semi-space-size=32');
const nullSink = fileURLToPath(new URL('./fixtures/null-sink.ts', import.meta.url));

async function run(label: string, transforms: Record<string, string>): Promise<void> {
  nullSinkStats.records = 0;
  nullSinkStats.latencies = [];
  nullSinkStats.firstAt = 0;
  const worker = await startEmbeddedWorker({ workerProps: { 'plugin.path': nullSink, 'offset.flush.interval.ms': '1000', 'bus.buffer.batches': process.env.BUS_BUFFER_BATCHES ?? '16' } });
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  await worker.herder.putConnectorConfig('null', { 'connector.class': 'null', topics: 'bench', ...transforms }, false);
  await worker.herder.putConnectorConfig('gen', { 'connector.class': 'datagen', topic: 'bench', 'max.records': String(RECORDS), ops: process.env.DATAGEN_OPS ?? 'cdc', keys: '10000', 'batch.size': process.env.DATAGEN_BATCH ?? '2000' }, false);
  while (nullSinkStats.records < RECORDS) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (nullSinkStats.lastAt - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const sorted = [...nullSinkStats.latencies].sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const rss = process.memoryUsage().rss / 2 ** 20;
  await worker.stop();
  // Records per CPU-second is what one core sustains, whatever else the machine is running.
  console.log(`${label.padEnd(32)} ${RECORDS} records in ${elapsed.toFixed(2)} s = ${Math.round(RECORDS / elapsed).toLocaleString('en-US')} records/s wall, ${Math.round(RECORDS / cpuSeconds).toLocaleString('en-US')} records per CPU-second (${cpuSeconds.toFixed(2)} CPU-s, all threads); added latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; rss ${rss.toFixed(0)} MiB`);
}

await run('no transforms', {});
await run('unwrap (ExtractNewRecordState)', { transforms: 'unwrap', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState', 'transforms.unwrap.add.fields': 'op,ts_ms', 'transforms.unwrap.delete.handling.mode': 'rewrite' });
