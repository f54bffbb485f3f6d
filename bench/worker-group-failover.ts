/**
 * Benchmark: failover and rebalance times of a worker group (issue 11), on a private Kafka.
 *  1. Three `tributary distributed` processes, three datagen sources under a steady load into a
 *     files sink of three tasks. `KILLS` times, `kill -9` of a worker running the most source
 *     tasks (a different one of those each time): from the kill to the first record each moved
 *     source produced elsewhere (the envelope's ts_ms, the wall clock when the record was built),
 *     then a replacement process and the group settled with every task RUNNING. Prints each
 *     figure, the median and the worst, as ratios of the references: a failed worker's
 *     work resumes within 30 s, and the acceptance's 15 s from the kill to the first record
 *     elsewhere. At the end, what the lake holds of every record produced (once each, or not).
 *  2. 100 tasks (4 datagen connectors × tasks.max=25) on a fresh group of three: a fourth worker
 *     joins (from its /health 200 to the group settled, every task RUNNING, the fourth running
 *     its share), then leaves with SIGTERM (to every task RUNNING on the three), `CYCLES` times.
 * Worker defaults: session.timeout.ms 6 s, heartbeat.interval.ms 1 s, scheduled.rebalance.max.delay.ms 8 s.
 * Run: `node --import tsx bench/worker-group-failover.ts [kills] [cycles]`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafkaCluster, uniqueName } from '../integration-tests/harness/kafka-cluster.js';
import { diagnoseMissingRecords, firstProduced, firstProducedAfter } from '../integration-tests/harness/production-times.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import {
  createPipeline, landed, metric, rest, settled, sourceOwners, startGroup, startGroupWorker, taskPlacement, type GroupWorker,
} from '../integration-tests/harness/worker-group.js';
import { eventually } from '../integration-tests/harness/worker-process.js';

const KILLS = Number(process.argv[2] ?? 10);
const CYCLES = Number(process.argv[3] ?? 3);
/** the references */
const RESUME_REQUIREMENT_MS = 30_000;
const FIRST_RECORD_TARGET_MS = 15_000;

const kafka = await startKafkaCluster();
const dir = tempDir('bench-group-failover');
let workers: GroupWorker[] = [];
/** every worker process of the failovers, for their logs */
const started: GroupWorker[] = [];
let keepDir = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function failovers(): Promise<void> {
  const group = uniqueName('bench-failover');
  const lake = join(dir.path, 'lake');
  workers = await startGroup(kafka, group, dir.path, 3);
  started.push(...workers);
  await settled(workers);
  const pipeline = await createPipeline(workers[0].url, lake, { total: 0, rate: 200 });
  const connectors = new Map<string, number>([[pipeline.sink, 3], ...pipeline.sources.map((s): [string, number] => [s.name, 1])]);
  await taskPlacement(workers[0].url, connectors, workers.map((w) => w.id), 90_000);
  await sleep(5_000);

  const figures: number[] = [];
  const settledAfter: number[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    const owners = await sourceOwners(workers[0].url, pipeline);
    const counts = new Map<string, number>();
    for (const id of owners.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
    // among the workers running the most sources, a different one each time (not always the same source moving)
    const most = Math.max(...counts.values());
    const tied = [...counts].filter(([, n]) => n === most).map(([id]) => id);
    const victimId = tied[kill % tied.length];
    const victim = workers.find((w) => w.id === victimId)!;
    const moved = pipeline.sources.filter((s) => owners.get(s.name) === victimId);
    const survivors = workers.filter((w) => w !== victim);

    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const firsts = await Promise.all(moved.map(async (s) => (await firstProducedAfter(kafka, s.topic, killedAt)) - killedAt));
    figures.push(...firsts);
    const replacement = await startGroupWorker(kafka, group, dir.path);
    started.push(replacement);
    workers = [...survivors, replacement];
    await eventually(async () => {
      await settled(workers, 30_000);
      const placement = await taskPlacement(workers[0].url, connectors, workers.map((w) => w.id), 10_000);
      return [...placement.values()].includes(replacement.id) ? true : undefined;
    }, 90_000, 'the group settled with the replacement running tasks');
    settledAfter.push(Date.now() - killedAt);
    console.log(`kill ${String(kill).padStart(2)}: ${moved.length} source(s) moved, first record elsewhere after ${firsts.map(seconds).join(', ')}; replacement up and the group settled ${seconds(Date.now() - killedAt)} after the kill`);
    await sleep(3_000);
  }
  const med = median(figures);
  const worst = Math.max(...figures);
  console.log(`failover, kill -9 → first record of the moved source elsewhere, ${figures.length} figures over ${KILLS} kills: median ${seconds(med)}, worst ${seconds(worst)} (kill → replacement settled: median ${seconds(median(settledAfter))})`);
  console.log(`  reference, the issue: work resumes within ${seconds(RESUME_REQUIREMENT_MS)} → ratio median ${(med / RESUME_REQUIREMENT_MS).toFixed(2)}, worst ${(worst / RESUME_REQUIREMENT_MS).toFixed(2)}`);
  console.log(`  reference, the acceptance: first record elsewhere within ${seconds(FIRST_RECORD_TARGET_MS)} → ratio median ${(med / FIRST_RECORD_TARGET_MS).toFixed(2)}, worst ${(worst / FIRST_RECORD_TARGET_MS).toFixed(2)}`);

  // what the kills did to the data: every record produced lands once
  for (const s of pipeline.sources) await rest(`${workers[0].url}/connectors/${s.name}/stop`, 'PUT');
  for (const s of pipeline.sources) await eventually(async () => ((await rest(`${workers[0].url}/connectors/${s.name}/status`, 'GET')).body?.connector?.state === 'STOPPED' ? true : undefined), 30_000, `${s.name} STOPPED`);
  const produced = new Map(await Promise.all(pipeline.sources.map(async (s) => [s.topic, await firstProduced(kafka, s.topic)] as const)));
  const distinct = (topic: string) => new Set(landed(lake, [topic]).get(topic)).size;
  await eventually(() => ([...produced].every(([topic, records]) => distinct(topic) >= records.length) ? true : undefined), 120_000, 'every record landed').catch(() => undefined);
  await sleep(3_000);
  const lines = [...produced].map(([topic, records]) => {
    const seqs = landed(lake, [topic]).get(topic)!;
    return `${new Set(seqs).size}/${records.length} landed, ${seqs.length - new Set(seqs).size} twice, ${records.filter((p) => p.copies > 1).length} resent to Kafka`;
  });
  console.log(`  the lake after ${KILLS} kills, per source: ${lines.join('; ')}`);
  for (const [topic, records] of produced) {
    const seqs = landed(lake, [topic]).get(topic)!;
    if (new Set(seqs).size === records.length && seqs.length === records.length) continue;
    console.log(await diagnoseMissingRecords(kafka, lake, topic, seqs, workers[0].url, pipeline.sink));
    keepDir = true;
  }
  if (keepDir) {
    started.forEach((w, i) => writeFileSync(join(dir.path, `worker-${i + 1}.log`), w.stderr()));
    console.log(`  the lake and every worker's log are kept in ${dir.path}`);
  }
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  workers = [];
}

async function rebalances(): Promise<void> {
  const group = uniqueName('bench-rebalance');
  workers = await startGroup(kafka, group, dir.path, 3);
  await settled(workers);
  const connectors = new Map(Array.from({ length: 4 }, (_, i): [string, number] => [uniqueName(`many${i}`), 25]));
  const createdAt = Date.now();
  for (const name of connectors.keys()) {
    const res = await rest(`${workers[0].url}/connectors`, 'POST', { name, config: { 'connector.class': 'datagen', topic: uniqueName('many'), 'tasks.max': '25', 'rows.per.second': '25', 'ts.start.ms': String(Date.now()) } });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }
  await taskPlacement(workers[0].url, connectors, workers.map((w) => w.id), 180_000);
  console.log(`100 tasks (4 connectors × 25) RUNNING on 3 workers ${seconds(Date.now() - createdAt)} after the first create`);
  await settled(workers);
  const joins: number[] = [];
  const leaves: number[] = [];
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const fourth = await startGroupWorker(kafka, group, dir.path);
    const joinedAt = Date.now();
    const four = [...workers, fourth];
    await eventually(async () => {
      await settled(four, 30_000);
      const placement = await taskPlacement(four[0].url, connectors, four.map((w) => w.id), 10_000);
      return [...placement.values()].filter((id) => id === fourth.id).length >= 25 ? true : undefined;
    }, 120_000, 'the fourth worker running its share');
    joins.push(Date.now() - joinedAt);
    const longest = Math.max(...await Promise.all(four.map(async (w) => (await metric(w.url, 'tributary_rebalance_max_time_ms')) ?? 0)));
    await sleep(2_000);
    const leftAt = Date.now();
    fourth.child.kill('SIGTERM');
    await taskPlacement(workers[0].url, connectors, workers.map((w) => w.id), 60_000);
    await settled(workers);
    leaves.push(Date.now() - leftAt);
    await fourth.exited;
    console.log(`cycle ${cycle}: a fourth worker ran its 25 tasks ${seconds(joins.at(-1)!)} after its /health 200 (longest rebalance on any worker ${Math.round(longest)} ms); after its SIGTERM the three ran all 100 again in ${seconds(leaves.at(-1)!)}`);
    await sleep(2_000);
  }
  console.log(`rebalance with 100 tasks over ${CYCLES} cycles: a fourth worker joining, median ${seconds(median(joins))}, worst ${seconds(Math.max(...joins))}; leaving (SIGTERM), median ${seconds(median(leaves))}, worst ${seconds(Math.max(...leaves))}`);
}

try {
  await failovers();
  if (CYCLES > 0) await rebalances();
} finally {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  if (!keepDir) dir.remove();
  await kafka.stop();
}
