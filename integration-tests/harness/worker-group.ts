import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from '../../connectors/sink/files/test/read-back.js';
import { distributedWorkerProps } from './distributed-props.js';
import { uniqueName, type KafkaEndpoint } from './kafka-cluster.js';
import { eventually, startWorkerProcess, type WorkerProcess } from './worker-process.js';

/**
 * Worker groups for the acceptance tests: `tributary distributed` processes sharing one
 * `group.id` (each its own worker id, `host:port` of its REST listener), and what the tests ask
 * of them over REST.
 */
export interface GroupWorker extends WorkerProcess {
  /** the worker id statuses show (the default: host:port) */
  readonly id: string;
}

export async function startGroupWorker(kafka: KafkaEndpoint, group: string, dir: string, extra: Record<string, string> = {}): Promise<GroupWorker> {
  const props = distributedWorkerProps(kafka, group, { 'key.converter.schemas.enable': 'false', 'value.converter.schemas.enable': 'false', ...extra });
  const worker = await startWorkerProcess(dir, props, [], { mode: 'distributed', timeoutMs: 90_000 });
  const id = await eventually(async () => (await fetch(`${worker.url}/`).then((r) => r.ok)) ? `${await hostName(worker)}` : undefined, 10_000, 'the worker id');
  return Object.assign(worker, { id });
}

/** The worker id: the host part of its default id is the machine's name. */
async function hostName(worker: WorkerProcess): Promise<string> {
  const { hostname } = await import('node:os');
  return `${hostname()}:${new URL(worker.url).port}`;
}

export async function startGroup(kafka: KafkaEndpoint, group: string, dir: string, count: number, extra: Record<string, string> = {}): Promise<GroupWorker[]> {
  const workers: GroupWorker[] = [];
  // one after another: each process's start (tsx) takes a core for a few seconds
  for (let i = 0; i < count; i++) workers.push(await startGroupWorker(kafka, group, join(dir), extra));
  return workers;
}

export async function rest(url: string, method: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** One value of a worker's /metrics, or undefined when absent or unreachable. */
export async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

export async function isLeader(worker: WorkerProcess): Promise<boolean> {
  return (await metric(worker.url, 'tributary_group_leader')) === 1;
}

/** Waits until exactly one worker leads, every worker has an assignment and none is rebalancing. */
export async function settled(workers: readonly WorkerProcess[], timeoutMs = 60_000): Promise<{ leader: WorkerProcess; followers: WorkerProcess[] }> {
  return eventually(async () => {
    const leaders: WorkerProcess[] = [];
    for (const w of workers) {
      if ((await metric(w.url, 'tributary_rebalancing')) !== 0 || ((await metric(w.url, 'tributary_rebalance_epoch')) ?? -1) < 0) return undefined;
      if (await isLeader(w)) leaders.push(w);
    }
    if (leaders.length !== 1) return undefined;
    const epochs = new Set(await Promise.all(workers.map((w) => metric(w.url, 'tributary_rebalance_epoch'))));
    return epochs.size === 1 ? { leader: leaders[0], followers: workers.filter((w) => w !== leaders[0]) } : undefined;
  }, timeoutMs, 'the group settled');
}

/** A connector's status once every task is in `state` (and there are `tasks` of them). */
export async function allTasks(url: string, name: string, tasks: number, state = 'RUNNING', timeoutMs = 60_000): Promise<any> {
  return eventually(async () => {
    const status = (await rest(`${url}/connectors/${encodeURIComponent(name)}/status`, 'GET')).body;
    return status?.tasks?.length === tasks && status.tasks.every((t: any) => t.state === state) ? status : undefined;
  }, timeoutMs, `${name}: ${tasks} tasks ${state}`);
}

/**
 * Which worker runs each task (`<connector>/<task>` → worker id), once every task of
 * `connectors` (name → task count) is RUNNING on one of the workers `ids`.
 */
export async function taskPlacement(url: string, connectors: ReadonlyMap<string, number>, ids: readonly string[], timeoutMs = 60_000): Promise<Map<string, string>> {
  return eventually(async () => {
    const placement = new Map<string, string>();
    for (const [name, count] of connectors) {
      const status = (await rest(`${url}/connectors/${encodeURIComponent(name)}/status`, 'GET')).body;
      if (status?.tasks?.length !== count) return undefined;
      for (const task of status.tasks as { id: number; state: string; worker_id: string }[]) {
        if (task.state !== 'RUNNING' || !ids.includes(task.worker_id)) return undefined;
        placement.set(`${name}/${task.id}`, task.worker_id);
      }
    }
    return placement;
  }, timeoutMs, `every task RUNNING on ${ids.join(', ')}`);
}

/** A steady load: datagen sources of one task each, on topics of their own, into one files sink. */
export interface Pipeline {
  readonly sink: string;
  readonly sources: { name: string; topic: string }[];
}

/**
 * `total` records per source (0: never stop), at `rate` records/s each; `sinkConfig` adds to or
 * replaces the files sink's properties.
 */
export async function createPipeline(url: string, lake: string, options: { total: number; sources?: number; rate?: number; replicationFactor?: number; sinkConfig?: Record<string, string> }): Promise<Pipeline> {
  const sink = uniqueName('lake');
  const sources = Array.from({ length: options.sources ?? 3 }, (_, i) => ({ name: uniqueName(`gen${i}`), topic: uniqueName(`orders${i}`) }));
  for (const s of sources) {
    const created = await rest(`${url}/connectors`, 'POST', {
      name: s.name, config: {
        'connector.class': 'datagen', topic: s.topic, 'max.records': String(options.total), ops: 'insert', 'rows.per.second': String(options.rate ?? 300), 'ts.start.ms': String(Date.now()),
        'topic.creation.default.partitions': '3', 'topic.creation.default.replication.factor': String(options.replicationFactor ?? 1),
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  const created = await rest(`${url}/connectors`, 'POST', {
    name: sink, config: { 'connector.class': 'files', topics: sources.map((s) => s.topic).join(','), 'tasks.max': '3', 'store.url': `file://${lake}`, format: 'json', 'flush.size': '500', 'rotate.interval.ms': '2000', ...options.sinkConfig },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { sink, sources };
}

/** datagen seqs landed in a JSON lake, per topic, every row counted */
export function landed(lake: string, topics: readonly string[]): Map<string, number[]> {
  const out = new Map(topics.map((t) => [t, [] as number[]]));
  for (const file of listFiles(lake).filter((f) => f.endsWith('.json'))) {
    const topic = topics.find((t) => file.split('/').includes(t) || file.includes(`/${t}+`) || file.startsWith(`${t}/`));
    if (!topic) continue;
    for (const line of readFileSync(join(lake, file), 'utf8').split('\n')) if (line) out.get(topic)!.push(Number((JSON.parse(line) as { seq: number }).seq));
  }
  return out;
}

/**
 * Waits for every seq 1..total of every topic in the lake (`total` the same for all, or per
 * topic), then checks none landed twice.
 */
export async function assertLandedOnce(lake: string, topics: readonly string[], total: number | ReadonlyMap<string, number>, timeoutMs = 180_000): Promise<void> {
  const totalOf = (topic: string) => (typeof total === 'number' ? total : total.get(topic)!);
  await eventually(() => ([...landed(lake, topics)].every(([topic, seqs]) => new Set(seqs).size >= totalOf(topic)) ? true : undefined), timeoutMs, 'every record landed');
  // what was still open (and is flushed now) must not add rows twice
  await new Promise((r) => setTimeout(r, 5_000));
  for (const [topic, seqs] of landed(lake, topics)) {
    const distinct = new Set(seqs);
    assert.equal(distinct.size, totalOf(topic), `${topic}: every record landed`);
    assert.equal(seqs.length, totalOf(topic), `${topic}: no record landed twice (${seqs.length - distinct.size} duplicates)`);
  }
}

/** which worker runs each source's task */
export async function sourceOwners(url: string, pipeline: Pipeline): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const s of pipeline.sources) owners.set(s.name, (await allTasks(url, s.name, 1)).tasks[0].worker_id);
  return owners;
}

/**
 * What a failed group test leaves to read: per topic the records landed (distinct, duplicated,
 * the first missing seqs) and each live worker's log tail. CI shows only a test's output.
 */
export function groupFailureReport(workers: readonly WorkerProcess[], lake: string, topics: readonly string[], total: number): string {
  const lines: string[] = [];
  for (const [topic, seqs] of landed(lake, topics)) {
    const distinct = new Set(seqs);
    const missing: number[] = [];
    for (let seq = 1; seq <= total && missing.length < 5; seq++) if (!distinct.has(seq)) missing.push(seq);
    lines.push(`${topic}: ${distinct.size} of ${total} landed, ${seqs.length - distinct.size} twice${missing.length > 0 ? `, missing e.g. ${missing.join(', ')}` : ''}`);
  }
  for (const w of workers) lines.push(`log tail of ${w.url}:`, ...w.stderr().slice(-3000).split('\n'));
  return lines.map((l) => `# ${l}`).join('\n');
}
