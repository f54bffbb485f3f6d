/**
 * Benchmark: throughput of one worker against a group of three on this machine (issue 11), on a
 * private Kafka. The same pipeline twice, each on a fresh group and fresh topics: three datagen
 * sources (one task each, unthrottled, `RECORDS` records each, JSON without schemas) into Kafka,
 * and from there a files sink (JSON, three tasks, files closed every second) — first with one
 * `tributary distributed` process, then with three. Prints records/s into Kafka (first record to
 * the last in the topics) and end to end (first record to the sink's committed offsets covering
 * every record), the CPU the workers and the broker used, the workers' peak RSS and JS heap, and the ratio
 * three workers / one. Every process shares the machine's cores (`nproc`), so three workers can
 * only gain what one left idle.
 * Run: `node --import tsx bench/worker-group-throughput.ts [records per source] [flush.size]`.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Consumer } from '@platformatic/kafka';
import { startKafkaCluster, uniqueName } from '../integration-tests/harness/kafka-cluster.js';
import { processMemory } from '../integration-tests/harness/process-memory.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import { createPipeline, metric, rest, settled, startGroup, taskPlacement, type GroupWorker } from '../integration-tests/harness/worker-group.js';

const RECORDS = Number(process.argv[2] ?? 300_000);
const FLUSH_SIZE = process.argv[3] ?? '20000';
const SOURCES = 3;

const kafka = await startKafkaCluster();
const dir = tempDir('bench-group-throughput');
let workers: GroupWorker[] = [];

/** user + system CPU time of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms) */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Run {
  readonly workers: number;
  readonly inKafkaPerSecond: number;
  readonly endToEndPerSecond: number;
  readonly seconds: number;
  readonly workerCpuMs: number;
  readonly brokerCpuMs: number;
  readonly peakRssMiB: number[];
  /** the JS heap in use (sampled each second from /metrics): what RSS holds beyond GC slack */
  readonly peakHeapMiB: number[];
}

async function run(count: number): Promise<Run> {
  const group = uniqueName(`bench-throughput-${count}`);
  const lake = join(dir.path, `lake-${count}`);
  workers = await startGroup(kafka, group, dir.path, count);
  await settled(workers);
  const offsets = new Consumer({ clientId: 'bench-offsets', groupId: uniqueName('bench-offsets'), bootstrapBrokers: [...kafka.brokers] });
  try {
    const cpuBefore = workers.reduce((n, w) => n + cpuMs(w.child.pid), 0);
    const brokerBefore = cpuMs(kafka.nodes[0].pid);
    const total = RECORDS * SOURCES;
    const pipeline = await createPipeline(workers[0].url, lake, {
      total: RECORDS, sources: SOURCES, rate: 0,
      sinkConfig: { 'flush.size': FLUSH_SIZE, 'rotate.interval.ms': '0', 'rotate.schedule.interval.ms': '1000' },
    });
    const topics = pipeline.sources.map((s) => s.topic);
    let firstAt = 0;
    let inKafkaAt = 0;
    let landedAt = 0;
    const peaks = workers.map(() => 0);
    const heaps = workers.map(() => 0);
    let sampledAt = 0;
    while (!landedAt) {
      await new Promise((r) => setTimeout(r, 100));
      workers.forEach((w, i) => { peaks[i] = Math.max(peaks[i], processMemory(w.child.pid!).rss); });
      if (Date.now() - sampledAt >= 1000) {
        sampledAt = Date.now();
        await Promise.all(workers.map(async (w, i) => { heaps[i] = Math.max(heaps[i], (await metric(w.url, 'tributary_process_nodejs_heap_size_used_bytes')) ?? 0); }));
      }
      if (!inKafkaAt) {
        const ends = await offsets.listOffsets({ topics }).catch(() => new Map<string, bigint[]>());
        const produced = [...ends.values()].flat().reduce((a, b) => a + Number(b), 0);
        if (produced > 0 && !firstAt) firstAt = Date.now();
        if (produced >= total) inKafkaAt = Date.now();
        continue;
      }
      const committed = (await rest(`${workers[0].url}/connectors/${pipeline.sink}/offsets`, 'GET')).body as { offsets?: { offset: { kafka_offset: number } }[] };
      if ((committed.offsets ?? []).reduce((n, o) => n + Number(o.offset.kafka_offset), 0) >= total) landedAt = Date.now();
    }
    const placement = await taskPlacement(workers[0].url, new Map([[pipeline.sink, 3], ...pipeline.sources.map((s): [string, number] => [s.name, 1])]), workers.map((w) => w.id));
    const perWorker = workers.map((w) => [...placement.values()].filter((id) => id === w.id).length);
    const result: Run = {
      workers: count,
      inKafkaPerSecond: total / ((inKafkaAt - firstAt) / 1000),
      endToEndPerSecond: total / ((landedAt - firstAt) / 1000),
      seconds: (landedAt - firstAt) / 1000,
      workerCpuMs: workers.reduce((n, w) => n + cpuMs(w.child.pid), 0) - cpuBefore,
      brokerCpuMs: cpuMs(kafka.nodes[0].pid) - brokerBefore,
      peakRssMiB: peaks.map((b) => Math.round(b / 2 ** 20)),
      peakHeapMiB: heaps.map((b) => Math.round(b / 2 ** 20)),
    };
    const wall = landedAt - firstAt;
    console.log(`${count} worker(s) (tasks per worker ${perWorker.join('/')}): ${total.toLocaleString('en-US')} records into Kafka at ${Math.round(result.inKafkaPerSecond).toLocaleString('en-US')}/s, `
      + `end to end at ${Math.round(result.endToEndPerSecond).toLocaleString('en-US')}/s (${result.seconds.toFixed(1)} s); CPU: workers ${(result.workerCpuMs / 1000).toFixed(1)} s (${(result.workerCpuMs / wall).toFixed(2)} cores, ${Math.round(total / (result.workerCpuMs / 1000)).toLocaleString('en-US')} records per CPU second), `
      + `broker ${(result.brokerCpuMs / 1000).toFixed(1)} s (${(result.brokerCpuMs / wall).toFixed(2)} cores); peak per worker: RSS ${result.peakRssMiB.join('/')} MiB, JS heap used ${result.peakHeapMiB.join('/')} MiB`);
    return result;
  } finally {
    await offsets.close();
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    workers = [];
  }
}

try {
  console.log(`${SOURCES} datagen sources × ${RECORDS.toLocaleString('en-US')} records → Kafka → files (JSON, 3 tasks, flush.size ${FLUSH_SIZE}); ${cpus().length} cores`);
  const one = await run(1);
  const three = await run(3);
  console.log(`ratio 3 workers / 1 worker: into Kafka ${(three.inKafkaPerSecond / one.inKafkaPerSecond).toFixed(2)}, end to end ${(three.endToEndPerSecond / one.endToEndPerSecond).toFixed(2)}; `
    + `CPU the workers got ${((three.workerCpuMs / three.seconds) / (one.workerCpuMs / one.seconds)).toFixed(2)}, records per CPU second ${((one.workerCpuMs) / (three.workerCpuMs)).toFixed(2)}`);
} finally {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  dir.remove();
  await kafka.stop();
}
