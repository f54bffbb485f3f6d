import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackage } from './apt.js';
import { cacheRoot, classPathOf, resolveMavenArtifacts } from './maven-artifacts.js';
import type { PostgresServer } from './postgres-server.js';
import { writeProperties } from './worker-process.js';

/**
 * Real Debezium (3.6.1.Final, from Maven Central) as the reference for what a PostgreSQL change
 * event looks like: the embedded engine runs in one JVM (`java/DebeziumCapture.java`, compiled
 * here into the cache), one engine per mode set, and every event comes back as Kafka Connect's
 * JsonConverter writes it (schemas.enable=true). Only tests use it; Tributary never does.
 */
export const DEBEZIUM_VERSION = '3.6.1.Final';

const SOURCE = fileURLToPath(new URL('./java/DebeziumCapture.java', import.meta.url));

/** One change event: the topic, and key and value as JsonConverter JSON text (null when absent). */
export interface DebeziumEvent {
  readonly engine: string;
  readonly topic: string;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * The connectors the capture can run: Maven Central serves no debezium-connector-mariadb
 * 3.6.1.Final jar (only a pom that fails to resolve), so MariaDB is captured with the MySQL one.
 */
export type DebeziumConnector = 'postgres' | 'mysql';

/** The jars of the embedded engine and one connector (with a quiet slf4j binding). */
export function debeziumClassPath(connector: DebeziumConnector = 'postgres'): string {
  const folder = resolveMavenArtifacts(`debezium-embedded-${connector}-${DEBEZIUM_VERSION}-slf4j-simple-1.7.36`, [
    { groupId: 'io.debezium', artifactId: 'debezium-embedded', version: DEBEZIUM_VERSION },
    { groupId: 'io.debezium', artifactId: `debezium-connector-${connector}`, version: DEBEZIUM_VERSION },
    // the slf4j-api Debezium resolves to is 1.7.36: its simple binding, set to warnings on stderr
    { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '1.7.36' },
  ]);
  return `${compiledCapture(classPathOf(folder))}:${classPathOf(folder)}`;
}

/** Compiles DebeziumCapture.java once per source text into the cache; returns the class folder. */
function compiledCapture(classPath: string): string {
  const source = readFileSync(SOURCE);
  const target = join(cacheRoot(), `debezium-capture-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (existsSync(join(target, '.complete'))) return target;
  ensureDebianPackage('openjdk-17-jdk-headless', '/usr/bin/javac');
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const result = spawnSync('javac', ['-encoding', 'UTF-8', '-cp', classPath, '-d', work, SOURCE], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`javac failed for ${SOURCE}:\n${result.stdout}${result.stderr}`);
  }
  writeFileSync(join(work, '.complete'), '');
  rmSync(target, { recursive: true, force: true });
  try {
    renameSync(work, target);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(target, '.complete'))) throw error;
  }
  return target;
}

/**
 * The properties of one Debezium PostgreSQL engine against a harness server: its own slot and
 * publication (dropped when it stops), file offsets in `dir`, `extra` on top (the mode set).
 */
export function debeziumPostgresProperties(server: PostgresServer, database: string, name: string, dir: string, extra: Record<string, string>): Record<string, string> {
  return {
    name,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'offset.storage': 'org.apache.kafka.connect.storage.FileOffsetBackingStore',
    'offset.storage.file.filename': join(dir, `${name}.offsets`),
    'offset.flush.interval.ms': '1000',
    'database.hostname': '127.0.0.1',
    'database.port': String(server.port),
    'database.user': 'postgres',
    'database.password': 'unused',
    'database.dbname': database,
    'plugin.name': 'pgoutput',
    'slot.name': `dbz_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63),
    'publication.name': `dbz_pub_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_'),
    'publication.autocreate.mode': 'filtered',
    'slot.drop.on.stop': 'true',
    'snapshot.mode': 'initial',
    ...extra,
  };
}

/**
 * A JVM running one Debezium engine per entry of `engines` (name → properties). Events are
 * collected as they are printed; `stop()` closes the JVM's stdin, which stops the engines.
 */
export class DebeziumCapture {
  readonly events: DebeziumEvent[] = [];
  readonly errors: string[] = [];
  #stderr = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess, readonly logFile: string) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as DebeziumEvent & { error?: string };
      if (event.error !== undefined) this.errors.push(`${event.engine}: ${event.error}`);
      else this.events.push(event);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      appendFileSync(logFile, chunk);
      // the tail in memory: enough to explain a failure
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-20_000);
    });
  }

  static start(dir: string, engines: Record<string, Record<string, string>>, connector: DebeziumConnector = 'postgres'): DebeziumCapture {
    const classPath = debeziumClassPath(connector);
    const files = Object.entries(engines).map(([name, props]) => writeProperties(join(dir, `${name}.properties`), { ...props, name }));
    const child = spawn('java', [
      // small and quick to start on a 2-core machine: a test JVM, not a server
      '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
      // its log (read by tests, with table names such as ünï-cødé) in UTF-8 whatever the locale: under
      // LANG unset (a login shell, `su -`) Java 17 would write '?' for every non-ASCII character
      // (file.encoding sets stderr's charset up to Java 18, stderr.encoding from 19 on)
      '-Dfile.encoding=UTF-8', '-Dstderr.encoding=UTF-8',
      `-Dorg.slf4j.simpleLogger.defaultLogLevel=${process.env.DEBEZIUM_LOG_LEVEL ?? 'warn'}`, '-Dorg.slf4j.simpleLogger.logFile=System.err', '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp', classPath, 'DebeziumCapture', ...files,
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new DebeziumCapture(child, join(dir, 'debezium.log'));
  }

  /** Debezium's log so far (warnings and errors; all of it with DEBEZIUM_LOG_LEVEL=info) */
  get log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  eventsOf(engine: string): DebeziumEvent[] {
    return this.events.filter((e) => e.engine === engine);
  }

  /** Waits until `done` holds, failing early when an engine failed or the JVM exited. */
  async waitFor(done: (events: DebeziumEvent[]) => boolean, timeoutMs: number, label: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      if (this.errors.length > 0) throw new Error(`Debezium failed while waiting for ${label}: ${this.errors.join('; ')}\n${this.#stderr.slice(-5000)}`);
      if (this.#child.exitCode !== null) throw new Error(`the Debezium JVM exited (${this.#child.exitCode}) while waiting for ${label}\n${this.#stderr.slice(-5000)}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}; have ${this.events.length} events\n${this.#stderr.slice(-5000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 40_000);
    await this.#exited;
    clearTimeout(timer);
  }
}
