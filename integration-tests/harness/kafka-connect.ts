import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLoggingJars, LOG4J_VERSION, loggingArtifacts, writeQuietLog4j2Config } from './kafka-distribution.js';
import type { KafkaEndpoint } from './kafka-cluster.js';
import { uniqueName } from './kafka-cluster.js';
import { classPathOf, resolveMavenArtifacts } from './maven-artifacts.js';
import { freePort } from './ports.js';
import type { PostgresServer } from './postgres-server.js';
import { tempDir } from './temp.js';
import { writeProperties } from './worker-process.js';

/**
 * A real Kafka Connect worker in distributed mode (`ConnectDistributed`), the reference Tributary's
 * Kafka formats are checked against: Kafka Connect's runtime, the FileStream connectors, and
 * Debezium's Postgres connector in a plugin.path folder, against the harness's 4.4.0 broker.
 *
 * Kafka Connect is 4.3.0, one minor behind the broker: `connect-file` 4.4.0 is not on Maven
 * Central (connect-runtime 4.4.0 is), and `connect-file` 4.3.0 does not run on the 4.4.0 runtime
 * (its `version()` calls `org.apache.kafka.common.utils.AppInfoParser`, which 4.4 moved to
 * `...utils.internals`: NoClassDefFoundError). 4.3.0 is also the Kafka that Debezium 3.6.1 is
 * built against. A 4.3 worker talks to a 4.4 broker as any client of an older minor does.
 */
export const KAFKA_CONNECT_VERSION = '4.3.0';
export const DEBEZIUM_VERSION = '3.6.1.Final';

export interface KafkaConnectWorker {
  readonly url: string;
  readonly groupId: string;
  readonly topics: { readonly offsets: string; readonly configs: string; readonly status: string };
  /** the JVM's process id (its memory is read from /proc by the benchmarks) */
  readonly pid: number;
  /** a JSON request to the REST API; throws with the body on a status of 400 or more */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** the last lines of the worker's log */
  diagnostics(): string;
  stop(): Promise<void>;
}

export function resolveKafkaConnect(): string {
  const folder = resolveMavenArtifacts(`kafka-connect-${KAFKA_CONNECT_VERSION}-log4j-${LOG4J_VERSION}`, [
    { groupId: 'org.apache.kafka', artifactId: 'connect-runtime', version: KAFKA_CONNECT_VERSION },
    { groupId: 'org.apache.kafka', artifactId: 'connect-file', version: KAFKA_CONNECT_VERSION },
    ...loggingArtifacts(),
  ]);
  checkLoggingJars(join(folder, 'lib'));
  return folder;
}

/**
 * Debezium's Postgres connector without the Kafka jars the worker already has, as a plugin folder:
 * returns the folder to name in plugin.path (its `lib/` is the plugin).
 */
export function resolveDebeziumPostgresPlugin(): string {
  return resolveMavenArtifacts(`debezium-connector-postgres-${DEBEZIUM_VERSION}-plugin`, [
    { groupId: 'io.debezium', artifactId: 'debezium-connector-postgres', version: DEBEZIUM_VERSION, excludeGroupIds: ['org.apache.kafka'] },
  ]);
}

export interface KafkaConnectOptions {
  /** also load Debezium's Postgres connector */
  debezium?: boolean;
  /** more worker properties */
  properties?: Record<string, string>;
  /**
   * the JVM's heap and collector options; default a small test JVM (-Xmx512m, serial GC).
   * Benchmarks pass KAFKA_CONNECT_DEFAULT_JVM, what `connect-distributed.sh` runs with.
   */
  jvmOptions?: readonly string[];
  timeoutMs?: number;
}

/** The heap and GC options of Kafka's `connect-distributed.sh` and `kafka-run-class.sh` (4.x). */
export const KAFKA_CONNECT_DEFAULT_JVM: readonly string[] = [
  '-Xms256M', '-Xmx2G', '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15',
];

/** Starts a worker with internal topics of its own (unique names) on `kafka`. */
export async function startKafkaConnect(kafka: KafkaEndpoint, options: KafkaConnectOptions = {}): Promise<KafkaConnectWorker> {
  const connect = resolveKafkaConnect();
  const pluginPath = options.debezium ? resolveDebeziumPostgresPlugin() : undefined;
  const dir = tempDir('kafka-connect');
  const port = await freePort();
  const groupId = uniqueName('connect-cluster');
  const topics = { offsets: `${groupId}-offsets`, configs: `${groupId}-configs`, status: `${groupId}-status` };
  const props = writeProperties(join(dir.path, 'connect-distributed.properties'), {
    'bootstrap.servers': kafka.bootstrapServers,
    'group.id': groupId,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'offset.storage.topic': topics.offsets,
    'config.storage.topic': topics.configs,
    'status.storage.topic': topics.status,
    'offset.storage.replication.factor': '1',
    'config.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.flush.interval.ms': '1000',
    listeners: `http://127.0.0.1:${port}`,
    'rest.advertised.host.name': '127.0.0.1',
    // plugins come from ServiceLoader manifests only: no reflective scan of every jar at start
    'plugin.discovery': 'service_load',
    ...(pluginPath ? { 'plugin.path': pluginPath } : {}),
    ...options.properties,
  });
  const logFile = join(dir.path, 'connect.log');
  const log4j = writeQuietLog4j2Config(dir.path, logFile, 'org.apache.kafka.connect.runtime.Connect');
  const out = openSync(join(dir.path, 'jvm.out'), 'a');
  const child: ChildProcess = spawn('java', [
    ...(options.jvmOptions ?? ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC']), '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`,
    '-cp', classPathOf(connect), 'org.apache.kafka.connect.cli.ConnectDistributed', props,
  ], { stdio: ['ignore', out, out] });
  closeSync(out);
  spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`], { detached: true, stdio: 'ignore' }).unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const url = `http://127.0.0.1:${port}`;
  const diagnostics = () => [logFile, join(dir.path, 'jvm.out')].filter(existsSync).map((f) => readFileSync(f, 'utf8').trimEnd().split('\n').slice(-40).join('\n')).join('\n');

  const worker: KafkaConnectWorker = {
    url, groupId, topics, diagnostics, pid: child.pid!,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stop() {
      if (alive) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      dir.remove();
    },
  };

  // ready once the herder has joined its group and read the config topic: GET /connectors answers
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (!alive) throw new Error(`Kafka Connect exited while starting:\n${diagnostics()}`);
    try {
      const res = await fetch(`${url}/connectors`);
      if (res.status === 200) return worker;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await worker.stop();
      throw new Error(`Kafka Connect not ready after ${options.timeoutMs ?? 120_000} ms:\n${diagnostics()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The states of a connector and its tasks, as GET /connectors/{name}/status reports them. */
export async function connectorState(connect: KafkaConnectWorker, name: string): Promise<{ connector: string; tasks: string[]; traces: string[] }> {
  const status = await connect.request<{ connector: { state: string }; tasks: { state: string; trace?: string }[] }>('GET', `/connectors/${name}/status`);
  return { connector: status.connector.state, tasks: status.tasks.map((t) => t.state), traces: status.tasks.flatMap((t) => (t.trace ? [t.trace] : [])) };
}

/** Resolves once every task of `name` runs; fails at once (with the trace) when one failed. */
export async function waitForTasksRunning(connect: KafkaConnectWorker, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await connectorState(connect, name).catch(() => undefined);
    if (state?.tasks.includes('FAILED') || state?.connector === 'FAILED') throw new Error(`Kafka Connect connector ${name} failed:\n${state.traces.join('\n')}`);
    if (state && state.tasks.length > 0 && state.tasks.every((t) => t === 'RUNNING')) return;
    if (Date.now() > deadline) throw new Error(`the tasks of ${name} are not running after ${timeoutMs} ms: ${JSON.stringify(state)}\n${connect.diagnostics()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A Debezium Postgres connector config against a harness server: pgoutput, its own slot and a
 * filtered publication named after `prefix` (the topic prefix), `extra` on top.
 */
export function debeziumPostgresConfig(server: PostgresServer, db: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  const { host, port, user, password } = server.connection(db);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'tasks.max': '1',
    'database.hostname': host, 'database.port': String(port), 'database.user': user, 'database.password': password, 'database.dbname': db,
    'topic.prefix': prefix, 'plugin.name': 'pgoutput', 'slot.name': `slot_${prefix}`.toLowerCase().slice(0, 63), 'publication.name': `pub_${prefix}`.toLowerCase(),
    'publication.autocreate.mode': 'filtered', 'snapshot.mode': 'initial',
    ...extra,
  };
}

/**
 * Deletes a connector and drops its replication slot once the task let go of it (a deleted
 * Debezium task releases the slot asynchronously; a slot left behind keeps WAL forever).
 */
export async function deleteConnectorAndSlot(connect: KafkaConnectWorker, name: string, postgres: PostgresServer, db: string, slot: string, timeoutMs = 30_000): Promise<void> {
  await connect.request('DELETE', `/connectors/${name}`).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await postgres.query<{ active: boolean }>(db, 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (rows.length === 0) return;
    if (!rows[0].active) {
      await postgres.query(db, 'SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the replication slot ${slot} of ${name} is still active after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
