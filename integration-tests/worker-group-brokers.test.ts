import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKafkaCluster, uniqueName, type KafkaCluster } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { allTasks, assertLandedOnce, createPipeline, groupFailureReport, landed, settled, sourceOwners, startGroup, type GroupWorker, type Pipeline } from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';

/**
 * Acceptance (issue 11, on a 3-broker cluster): three worker processes, three datagen sources
 * into a files sink, everything replicated three times. A broker is killed mid-stream and started
 * again, then the worker running a source is killed with `kill -9`: the workers keep going (the
 * group coordinator may move, a worker cut off from it for a moment fences itself and rejoins),
 * and the lake ends with every record exactly once. The cluster is private to this file.
 */
let kafka: KafkaCluster;
before(async () => { kafka = await startKafkaCluster({ nodes: 3 }); });
after(async () => { await kafka?.stop(); });

const TOTAL = 9_000;

describe('a worker group on a 3-broker cluster', { timeout: 480_000 }, () => {
  const dir = tempDir('group-brokers');
  const lake = join(dir.path, 'lake');
  const group = uniqueName('group-brokers');
  let workers: GroupWorker[] = [];
  let pipeline: Pipeline;
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('a broker killed and restarted, then a worker killed: every record lands once', async (t) => {
    const replicated = { 'config.storage.replication.factor': '3', 'offset.storage.replication.factor': '3', 'status.storage.replication.factor': '3' };
    workers = await startGroup(kafka, group, dir.path, 3, replicated);
    let topics: string[] = [];
    try {
      await settled(workers);
      pipeline = await createPipeline(workers[0].url, lake, { total: TOTAL, replicationFactor: 3 });
      await allTasks(workers[0].url, pipeline.sink, 3);
      topics = pipeline.sources.map((s) => s.topic);
      await eventually(() => ([...landed(lake, topics).values()].every((seqs) => seqs.length >= 600) ? true : undefined), 90_000, 'a first part landed');

      const brokerKilledAt = Date.now();
      await kafka.kill(1);
      await new Promise((r) => setTimeout(r, 3_000));
      await kafka.startNode(1);
      t.diagnostic(`broker 2 of 3 killed and back after ${Date.now() - brokerKilledAt} ms`);
      await settled(workers, 90_000);

      const owners = await sourceOwners(workers[0].url, pipeline);
      const victimId = [...owners.values()][0];
      const victim = workers.find((w) => w.id === victimId)!;
      await victim.kill('SIGKILL');
      workers = workers.filter((w) => w !== victim);
      const killedAt = Date.now();
      await eventually(async () => {
        for (const s of pipeline.sources) if ((await allTasks(workers[0].url, s.name, 1)).tasks[0].worker_id === victimId) return undefined;
        return true;
      }, 60_000, 'the killed worker\'s sources running elsewhere');
      t.diagnostic(`kill -9 of a worker: its sources RUNNING elsewhere after ${Date.now() - killedAt} ms`);
      await assertLandedOnce(lake, topics, TOTAL);
    } catch (error) {
      process.stdout.write(`${groupFailureReport(workers, lake, topics, TOTAL)}\n`);
      throw error;
    }
  });
});
