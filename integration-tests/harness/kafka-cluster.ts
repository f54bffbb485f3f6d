import { sharedServer } from './shared-server.js';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { resolveKafka, type KafkaDistribution } from './kafka-distribution.js';
import { KafkaNode, serverProperties, writeServerProperties, type KafkaNodeSpec } from './kafka-node.js';
import { freePort } from './ports.js';
import { tempDir } from './temp.js';

/**
 * Real Apache Kafka for the tests: KRaft nodes in combined mode on free loopback ports with
 * private log dirs, run from Maven Central's jars with the machine's Java (see
 * kafka-distribution.ts).
 *
 * - `sharedKafka()`: one single-node cluster for every test file of a `node --test` run (found
 *   through a folder named after the runner's pid, stopped by a watchdog when the runner exits),
 *   or the user's own cluster when `KAFKA_BOOTSTRAP_SERVERS` is set. Tests use their own topic
 *   and group names (`uniqueName`).
 * - `sharedKafkaCluster()`: one 3-node cluster for the test files of a run that need real
 *   replication but do not kill brokers (worker groups: failover, scale, REST, rolling restarts),
 *   started the first time a file asks for it.
 * - `startKafkaCluster({ nodes: 3 })`: a private cluster a fault test can kill, stop and restart
 *   node by node (same ports, same data).
 */
export interface KafkaEndpoint {
  /** `host:port,host:port`, as `bootstrap.servers` */
  readonly bootstrapServers: string;
  /** the same as a list, as @platformatic/kafka's `bootstrapBrokers` */
  readonly brokers: readonly string[];
}

export interface KafkaCluster extends KafkaEndpoint {
  readonly nodes: readonly KafkaNode[];
  readonly clusterId: string;
  /** how long the start took, by phase (facts the tests print) */
  readonly timings: StartTimings;
  /** SIGKILL of one node (index into `nodes`) */
  kill(index: number): Promise<void>;
  /** a controlled shutdown of one node */
  stopNode(index: number): Promise<void>;
  /** starts a stopped or killed node again and waits until it serves metadata */
  startNode(index: number): Promise<void>;
  /** resolves once every running node answers a metadata request listing them all */
  waitReady(timeoutMs?: number): Promise<void>;
  /** stops every node and removes the private folder */
  stop(): Promise<void>;
}

export interface StartTimings {
  /** ids and `StorageTool format` of every node */
  readonly formatMs: number;
  /** from starting the JVMs to every node answering metadata */
  readonly bootMs: number;
}

export interface KafkaClusterOptions {
  nodes?: 1 | 3;
  /** extra server.properties (later ones win); a function gets each node's ports (extra listeners) */
  overrides?: Record<string, string> | ((node: KafkaNodeSpec) => Record<string, string>);
  timeoutMs?: number;
}

const exec = promisify(execFile);
let names = 0;

/** A topic or group name no other test (of any file, of any run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++names}`;
}

async function storageTool(distribution: KafkaDistribution, args: string[]): Promise<string> {
  // a short-lived tool: the client compiler and the serial collector start it fastest
  const { stdout } = await exec('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', distribution.classPath, 'kafka.tools.StorageTool', ...args], { encoding: 'utf8', timeout: 120_000 });
  return stdout.trim();
}

/** `StorageTool random-uuid`: the cluster id */
async function randomUuid(distribution: KafkaDistribution): Promise<string> {
  return (await storageTool(distribution, ['random-uuid'])).split('\n').pop()!.trim();
}

/**
 * A directory id made as Kafka's `Uuid.randomUuid()` makes one (a random v4 UUID in URL-safe
 * base64 without padding, never starting with '-'), without a JVM start per id.
 */
function directoryId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function nodeSpecs(root: string, count: number): Promise<KafkaNodeSpec[]> {
  const specs: KafkaNodeSpec[] = [];
  for (let i = 0; i < count; i++) {
    specs.push({ nodeId: i + 1, port: await freePort(), controllerPort: await freePort(), dir: join(root, `node-${i + 1}`) });
  }
  return specs;
}

/**
 * Formats every node's log dir: one node with `--standalone` (it is the whole quorum), several
 * with `--initial-controllers` naming each voter with its directory id, all sharing one cluster id.
 */
async function formatNodes(distribution: KafkaDistribution, nodes: readonly KafkaNode[], clusterId: string): Promise<void> {
  let quorum: string[] = ['--standalone'];
  if (nodes.length > 1) {
    quorum = ['--initial-controllers', nodes.map((n) => `${n.spec.nodeId}@127.0.0.1:${n.spec.controllerPort}:${directoryId()}`).join(',')];
  }
  await Promise.all(nodes.map((n) => storageTool(distribution, ['format', '-t', clusterId, '-c', n.configFile, ...quorum])));
}

class LocalKafkaCluster implements KafkaCluster {
  readonly bootstrapServers: string;
  readonly brokers: readonly string[];

  constructor(readonly nodes: readonly KafkaNode[], readonly clusterId: string, readonly timings: StartTimings, private readonly onStop: () => void) {
    this.brokers = nodes.map((n) => n.bootstrap);
    this.bootstrapServers = this.brokers.join(',');
  }

  async kill(index: number): Promise<void> { await this.nodes[index].kill(); }
  async stopNode(index: number): Promise<void> { await this.nodes[index].stop(); }

  async startNode(index: number): Promise<void> {
    const node = this.nodes[index];
    node.start();
    await waitForMetadata([node], this.nodes.length, 60_000);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitForMetadata(this.nodes.filter((n) => n.running), this.nodes.length, timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(15_000)));
    this.onStop();
  }
}

/**
 * Readiness is a real metadata request to each node, through the client library the project
 * uses: a node counts once it answers and the cluster it describes lists `expectedBrokers`
 * brokers (in KRaft a broker opens its listener only after it has caught up with the metadata log,
 * so an answer means it can serve). Fails at once if a node's JVM exits.
 */
async function waitForMetadata(nodes: readonly KafkaNode[], expectedBrokers: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    let died = false;
    void node.exited.then(() => (died = true));
    let last = '';
    for (;;) {
      if (died || !node.running) throw new Error(`Kafka node ${node.spec.nodeId} exited while starting:\n${node.diagnostics()}`);
      const admin = new Admin({ clientId: 'tributary-harness', bootstrapBrokers: [node.bootstrap], retries: 0, connectTimeout: 2_000, requestTimeout: 5_000 });
      try {
        const metadata = await admin.metadata({ forceUpdate: true });
        if (metadata.brokers.size >= expectedBrokers) break;
        last = `${metadata.brokers.size} of ${expectedBrokers} brokers registered`;
      } catch (error) {
        last = (error as Error).message;
      } finally {
        await admin.close().catch(() => undefined);
      }
      if (Date.now() > deadline) throw new Error(`Kafka node ${node.spec.nodeId} not ready after ${timeoutMs} ms (${last}):\n${node.diagnostics()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Starts a private cluster; the caller stops it. A process that exits without stopping it (a
 * failed test file) kills its nodes on the way out.
 */
export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const distribution = resolveKafka();
  const dir = tempDir('kafka');
  const cluster = await startNodes(distribution, dir.path, options, false);
  const onExit = () => { for (const n of cluster.nodes) if (n.pid) process.kill(n.pid, 'SIGKILL'); };
  process.once('exit', onExit);
  return new LocalKafkaCluster(cluster.nodes, cluster.clusterId, cluster.timings, () => { process.off('exit', onExit); dir.remove(); });
}

/**
 * Starts the nodes on free ports. A port found free can be taken by another process before the
 * broker binds it (test files run in parallel): then the nodes start again on other ports.
 */
async function startNodes(distribution: KafkaDistribution, root: string, options: KafkaClusterOptions, detached: boolean): Promise<{ nodes: KafkaNode[]; clusterId: string; timings: StartTimings }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNodesOnce(distribution, root, options, detached);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
      for (const entry of readdirSync(root)) if (entry.startsWith('node-')) rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
}

async function startNodesOnce(distribution: KafkaDistribution, root: string, options: KafkaClusterOptions, detached: boolean): Promise<{ nodes: KafkaNode[]; clusterId: string; timings: StartTimings }> {
  const began = Date.now();
  const specs = await nodeSpecs(root, options.nodes ?? 1);
  const nodes = specs.map((spec) => new KafkaNode(spec, distribution, detached));
  for (const node of nodes) {
    mkdirSync(node.spec.dir, { recursive: true });
    writeServerProperties(node.configFile, serverProperties(node.spec, { nodes: specs, overrides: typeof options.overrides === 'function' ? options.overrides(node.spec) : options.overrides }));
  }
  const clusterId = await randomUuid(distribution);
  await formatNodes(distribution, nodes, clusterId);
  const formatted = Date.now();
  for (const node of nodes) node.start();
  try {
    await waitForMetadata(nodes, nodes.length, options.timeoutMs ?? 90_000);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill()));
    throw error;
  }
  return { nodes, clusterId, timings: { formatMs: formatted - began, bootMs: Date.now() - formatted } };
}

/** The cluster named by `KAFKA_BOOTSTRAP_SERVERS`, if set. */
export function externalKafka(): KafkaEndpoint | undefined {
  const value = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim();
  if (!value) return undefined;
  const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
  return { bootstrapServers: brokers.join(','), brokers };
}

function endpoint(bootstrapServers: string): KafkaEndpoint {
  return { bootstrapServers, brokers: bootstrapServers.split(',') };
}

/**
 * The single-node cluster shared by every test file of this test run (or the external one). The
 * first process to create the lock folder starts it, detached, and writes its bootstrap address;
 * the others wait for that file. A detached watchdog kills the broker and removes its files once
 * the test runner (our parent process) has exited.
 */
export async function sharedKafka(): Promise<KafkaEndpoint> {
  const external = externalKafka();
  if (external) return external;
  return sharedServer('kafka', async (root) => {
    const { nodes } = await startNodes(resolveKafka(), root, { nodes: 1 }, true);
    return { address: nodes[0].bootstrap, stopCommand: `kill -9 ${nodes[0].pid!} 2>/dev/null`, server: endpoint(nodes[0].bootstrap) };
  }, (address) => endpoint(address), 180_000);
}

/**
 * The 3-node cluster shared by the worker-group test files of this run (or the external one):
 * internal and data topics there are replicated 3 times (`replicationFactorFor`), as in a
 * production cluster. Nothing may kill its brokers: a fault test starts a private cluster.
 */
export async function sharedKafkaCluster(): Promise<KafkaEndpoint> {
  const external = externalKafka();
  if (external) return external;
  return sharedServer('kafka3', async (root) => {
    const { nodes } = await startNodes(resolveKafka(), root, { nodes: 3 }, true);
    const bootstrap = nodes.map((n) => n.bootstrap).join(',');
    return { address: bootstrap, stopCommand: `kill -9 ${nodes.map((n) => n.pid!).join(' ')} 2>/dev/null`, server: endpoint(bootstrap) };
  }, (address) => endpoint(address), 180_000);
}

/** The replication factor for topics on `kafka`: 3 where it lists three brokers or more, else 1. */
export function replicationFactorFor(kafka: KafkaEndpoint): number {
  return kafka.brokers.length >= 3 ? 3 : 1;
}
