import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeQuietLog4j2Config, type KafkaDistribution } from './kafka-distribution.js';

/**
 * One KRaft node in combined mode (`process.roles=broker,controller`): its ports, its private
 * folder (config, log dir, server.log) and its JVM. It can be killed (-9), stopped (SIGTERM, a
 * controlled shutdown) and started again on the same ports with the same data.
 */
export interface KafkaNodeSpec {
  readonly nodeId: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
}

export interface KafkaClusterSettings {
  /** every node of the cluster, for `controller.quorum.bootstrap.servers` */
  readonly nodes: readonly KafkaNodeSpec[];
  /** extra server.properties lines (later ones win) */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** A heap cap that keeps a broker small on a shared 2-core machine. */
const JVM_OPTIONS = ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];

export function serverProperties(node: KafkaNodeSpec, cluster: KafkaClusterSettings): Record<string, string> {
  const size = cluster.nodes.length;
  const replication = String(Math.min(3, size));
  return {
    'process.roles': 'broker,controller',
    'node.id': String(node.nodeId),
    'controller.quorum.bootstrap.servers': cluster.nodes.map((n) => `127.0.0.1:${n.controllerPort}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(node.dir, 'data'),
    'num.partitions': '1',
    'default.replication.factor': replication,
    // internal topics: few partitions (each is a log with its own files and threads' work), and a
    // replication factor the cluster can meet; on one node min.isr must be 1 or transactions fail
    'offsets.topic.num.partitions': '5',
    'offsets.topic.replication.factor': replication,
    'transaction.state.log.num.partitions': '5',
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': size === 1 ? '1' : '2',
    'share.coordinator.state.topic.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': size === 1 ? '1' : '2',
    // a group's first member is assigned at once, not after the 3 s default wait for more members
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '2',
    'background.threads': '2',
    'num.recovery.threads.per.data.dir': '1',
    'log.cleaner.threads': '1',
    'log.cleaner.dedupe.buffer.size': String(16 * 1024 * 1024),
    ...cluster.overrides,
  };
}

export function writeServerProperties(path: string, props: Record<string, string>): void {
  writeFileSync(path, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}

export class KafkaNode {
  readonly spec: KafkaNodeSpec;
  readonly #distribution: KafkaDistribution;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #detached: boolean;

  /** `detached`: the JVM outlives this process (a shared cluster; its watchdog stops it) */
  constructor(spec: KafkaNodeSpec, distribution: KafkaDistribution, detached = false) {
    this.spec = spec;
    this.#distribution = distribution;
    this.#detached = detached;
  }

  get configFile(): string { return join(this.spec.dir, 'server.properties'); }
  get logFile(): string { return join(this.spec.dir, 'server.log'); }
  get bootstrap(): string { return `127.0.0.1:${this.spec.port}`; }
  get pid(): number | undefined { return this.running ? this.#child?.pid : undefined; }
  get running(): boolean { return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null; }

  /** Starts the JVM (the node must have been formatted); readiness is the cluster's job. */
  start(): void {
    if (this.running) throw new Error(`Kafka node ${this.spec.nodeId} is already running`);
    mkdirSync(this.spec.dir, { recursive: true });
    const log4j = writeQuietLog4j2Config(this.spec.dir, this.logFile);
    // the JVM's own output (crash reports, -XX warnings) goes to a file, never to a pipe: a
    // detached broker must not die of SIGPIPE when the process that started it exits
    const out = openSync(join(this.spec.dir, 'jvm.out'), 'a');
    const child = spawn('java', [
      ...JVM_OPTIONS,
      `-Dlog4j2.configurationFile=${log4j}`,
      `-Dkafka.logs.dir=${this.spec.dir}`,
      '-cp', this.#distribution.classPath,
      'kafka.Kafka', this.configFile,
    ], { stdio: ['ignore', out, out], detached: this.#detached });
    closeSync(out);
    if (this.#detached) child.unref();
    // a test process killed by a signal runs no exit handlers: a watchdog kills its broker then
    else spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`], { detached: true, stdio: 'ignore' }).unref();
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** SIGKILL, as a crash; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.#child!.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM (a controlled shutdown), SIGKILL if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.#child!.kill('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Resolves when the JVM exits: for readiness checks that must not wait for a dead broker. */
  get exited(): Promise<void> { return this.#exited; }

  /** Resident memory of the JVM in bytes (from /proc), undefined when not running. */
  rssBytes(): number | undefined {
    const pid = this.pid;
    if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  }

  /** The last lines of server.log and of the JVM's output, for error messages. */
  diagnostics(lines = 30): string {
    const tail = (file: string) => existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
    return [tail(this.logFile), tail(join(this.spec.dir, 'jvm.out'))].filter(Boolean).join('\n');
  }
}
