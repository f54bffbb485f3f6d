import { sharedServer } from './shared-server.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveMavenArchive } from './maven-artifacts.js';
import { freePort } from './ports.js';
import { tempDir } from './temp.js';

/**
 * A real Confluent-compatible Schema Registry for the tests: Apicurio Registry 3.3.3, whose
 * Confluent API (`/apis/ccompat/v7`) is what Confluent's clients and Kafka Connect's AvroConverter
 * talk to. Confluent's own registry is not on Maven Central; Apicurio's is, as the Quarkus
 * application its container image is made of (`apicurio-registry-app-<v>-all.tar.gz`, the fast-jar
 * `quarkus-app/` folder), so nothing is built here: the archive is unpacked once into the cache.
 *
 * It runs with in-memory storage (H2 `jdbc:h2:mem:`, Apicurio's default `apicurio.storage.kind=sql`),
 * on a free loopback port, from a private temp folder, with Confluent's default compatibility
 * (BACKWARD) instead of Apicurio's NONE.
 *
 * - `sharedSchemaRegistry()`: one registry for every test file of a `node --test` run (found
 *   through a folder named after the runner's pid, stopped by a watchdog when the runner exits),
 *   or the user's own when `SCHEMA_REGISTRY_URL` is set. Tests use their own subject names
 *   (`uniqueName`) and set compatibility per subject (`PUT /config/{subject}`), never globally.
 * - `startSchemaRegistry()`: a private one the caller stops.
 *
 * Apicurio 3.3's classes are Java 21 bytecode (class version 65): Debian 12 packages only Java 17,
 * so it runs on the newest JDK of 21 or later found in JAVA_HOME or /usr/lib/jvm (this machine kind
 * ships Temurin 25 there). See docs/kafka-client.md for what its Confluent API does differently.
 */
export const APICURIO_REGISTRY_VERSION = '3.3.3';
const JAVA_MAJOR = 21;
const CCOMPAT_PATH = '/apis/ccompat/v7';

/**
 * The message of Apicurio's 409 for a schema its compatibility rule refuses (`error_code` 409 too),
 * e.g. `io.apicurio.registry.rules.violation.RuleViolationException: Incompatible artifact:
 * orders-value [AVRO], num of incompatible diffs: {1}, list of diff types: [age at /fields/3]`.
 * Confluent's says `Schema being registered is incompatible with an earlier schema for subject
 * "orders-value", details: [...]`; both name the subject, the field and its path.
 */
export const APICURIO_INCOMPATIBLE_MESSAGE = /^io\.apicurio\.registry\.rules\.violation\.RuleViolationException: Incompatible artifact: (?<subject>.+) \[AVRO\], num of incompatible diffs: \{(?<count>\d+)\}, list of diff types: \[(?<diffs>.*)\]$/;

/** Where a registry answers. */
export interface SchemaRegistryEndpoint {
  /** the Confluent-compatible base URL: what `schema.registry.url` (or a JS client's `host`) takes */
  readonly url: string;
  /**
   * Apicurio's own v2 REST API, which Apicurio's Kafka Connect converter speaks
   * (`apicurio-converter.ts`); undefined for an external registry that is not Apicurio
   */
  readonly apicurioV2Url?: string;
}

export interface SchemaRegistry extends SchemaRegistryEndpoint {
  readonly version: string;
  readonly port: number;
  /** the JVM's process id */
  readonly pid: number;
  /** how long the start took: unpacking on first use (0 from the cache), then the JVM until it answered */
  readonly timings: { readonly resolveMs: number; readonly bootMs: number };
  /** the last lines of the registry's log */
  diagnostics(): string;
  /** SIGTERM (SIGKILL after 20 s), then removes the private folder */
  stop(): Promise<void>;
}

export interface SchemaRegistryOptions {
  /** more Apicurio or Quarkus properties (passed as -D, later ones win) */
  properties?: Record<string, string>;
  /** the JVM heap; default 384m */
  heap?: string;
  timeoutMs?: number;
}

/** The unpacked `quarkus-app/` folder of the registry (cached; the first run fetches 160 MB). */
export function resolveApicurioRegistry(version = APICURIO_REGISTRY_VERSION): string {
  return resolveMavenArchive(`apicurio-registry-${version}`, `io.apicurio:apicurio-registry-app:${version}:tar.gz:all`);
}

/**
 * A `java` of version 21 or newer: JAVA_HOME's if it is one, else the newest under /usr/lib/jvm.
 * Throws with what was found: Debian 12 has no such package to install.
 */
export function findJava(minimumMajor = JAVA_MAJOR): string {
  const jvmRoot = '/usr/lib/jvm';
  const homes = existsSync(jvmRoot) ? readdirSync(jvmRoot).map((d) => join(jvmRoot, d)) : [];
  const found = homes.map((home) => ({ home, major: javaMajor(home) })).filter((j) => j.major > 0).sort((a, b) => b.major - a.major);
  const fromEnv = process.env.JAVA_HOME ? { home: process.env.JAVA_HOME, major: javaMajor(process.env.JAVA_HOME) } : undefined;
  const pick = fromEnv && fromEnv.major >= minimumMajor ? fromEnv : found.find((j) => j.major >= minimumMajor);
  if (!pick) {
    const seen = [...(fromEnv ? [fromEnv] : []), ...found].map((j) => `${j.home} (${j.major || '?'})`).join(', ') || 'none';
    throw new Error(`Apicurio Registry ${APICURIO_REGISTRY_VERSION} needs Java ${minimumMajor} or newer (its classes are Java 21 bytecode, class version 65) and Debian 12 packages only Java 17; JDKs found: ${seen}. Set JAVA_HOME to a JDK ${minimumMajor}+.`);
  }
  return join(pick.home, 'bin', 'java');
}

/** The major version of the JDK in `home`, from its `release` file; 0 when it is not one. */
function javaMajor(home: string): number {
  if (!existsSync(join(home, 'bin', 'java')) || !existsSync(join(home, 'release'))) return 0;
  const version = /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(join(home, 'release'), 'utf8'))?.[1] ?? '';
  const [first, second] = version.split('.').map(Number);
  return first === 1 ? second : first || 0;
}

/**
 * The properties every harness registry runs with, `dir` its private folder.
 * - `quarkus.management.port=0`: the management interface (health, metrics) is enabled at build
 *   time and would bind 0.0.0.0:9000, which two registries cannot share; here it takes a free
 *   loopback port.
 * - `apicurio.rules.global.compatibility=BACKWARD`: Confluent's default; Apicurio's is NONE. It is
 *   the default global rule: `GET /config` reports it, and `PUT /config` replaces it.
 * - `apicurio.ccompat.legacy-id-mode.enabled=false` (Apicurio's default, pinned): the ids of the
 *   Confluent API are content ids, the ids Apicurio's converter writes with `use-id=contentId`.
 */
function registryProperties(port: number, dir: string): Record<string, string> {
  return {
    'quarkus.http.host': '127.0.0.1',
    'quarkus.http.port': String(port),
    'quarkus.management.host': '127.0.0.1',
    'quarkus.management.port': '0',
    'quarkus.http.access-log.enabled': 'false',
    'apicurio.rules.global.compatibility': 'BACKWARD',
    'apicurio.ccompat.legacy-id-mode.enabled': 'false',
    'apicurio.storage.snapshot.location': dir,
    // an in-memory database for one test run needs no pool of 20 connections
    'apicurio.datasource.jdbc.initial-size': '2',
    'apicurio.datasource.jdbc.min-size': '2',
    'apicurio.datasource.jdbc.max-size': '20',
  };
}

interface Launched {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
  readonly logFile: string;
  readonly bootMs: number;
}

/**
 * Starts the JVM and resolves once `GET /subjects` answers 200. A port found free can be taken by
 * another process before Quarkus binds it (test files run in parallel): then it starts again on
 * another port.
 */
async function launch(dir: string, options: SchemaRegistryOptions, detached: boolean): Promise<Launched> {
  const folder = resolveApicurioRegistry();
  const java = findJava();
  for (let attempt = 1; ; attempt++) {
    const began = Date.now();
    const port = await freePort();
    const logFile = join(dir, `registry-${attempt}.log`);
    const properties = { ...registryProperties(port, dir), ...options.properties };
    const out = openSync(logFile, 'a');
    const child = spawn(java, [
      `-Xmx${options.heap ?? '384m'}`, '-XX:+UseSerialGC',
      // a test registry answers a few requests: the client compiler starts it sooner and spends less CPU
      '-XX:TieredStopAtLevel=1',
      `-Djava.io.tmpdir=${dir}`,
      ...Object.entries(properties).map(([k, v]) => `-D${k}=${v}`),
      '-jar', join(folder, 'quarkus-run.jar'),
    ], { cwd: dir, stdio: ['ignore', out, out], detached });
    closeSync(out);
    if (detached) child.unref();
    // a test process killed by a signal runs no exit handlers: a watchdog kills its registry then
    else spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`], { detached: true, stdio: 'ignore' }).unref();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let alive = true;
    void exited.then(() => (alive = false));
    const deadline = began + (options.timeoutMs ?? 120_000);
    for (;;) {
      if (!alive) {
        const log = tail(logFile);
        if (attempt < 3 && /in use|Address already in use/i.test(log)) break;
        throw new Error(`Apicurio Registry exited while starting:\n${log}`);
      }
      if (await answers(`http://127.0.0.1:${port}${CCOMPAT_PATH}/subjects`)) return { child, port, exited, logFile, bootMs: Date.now() - began };
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Apicurio Registry not ready after ${options.timeoutMs ?? 120_000} ms:\n${tail(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

function tail(file: string, lines = 40): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

function endpoint(port: number): SchemaRegistryEndpoint {
  return { url: `http://127.0.0.1:${port}${CCOMPAT_PATH}`, apicurioV2Url: `http://127.0.0.1:${port}/apis/registry/v2` };
}

/** Starts a private registry; the caller stops it. */
export async function startSchemaRegistry(options: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
  const resolveBegan = Date.now();
  resolveApicurioRegistry();
  const resolveMs = Date.now() - resolveBegan;
  const dir = tempDir('schema-registry');
  let launched: Launched;
  try {
    launched = await launch(dir.path, options, false);
  } catch (error) {
    dir.remove();
    throw error;
  }
  const { child, port, exited, logFile, bootMs } = launched;
  let alive = true;
  void exited.then(() => (alive = false));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    ...endpoint(port), version: APICURIO_REGISTRY_VERSION, port, pid: child.pid!, timings: { resolveMs, bootMs },
    diagnostics: () => tail(logFile),
    async stop() {
      process.off('exit', onExit);
      if (alive) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      dir.remove();
    },
  };
}

/** The registry named by `SCHEMA_REGISTRY_URL` (its Confluent-compatible base URL), if set. */
export function externalSchemaRegistry(): SchemaRegistryEndpoint | undefined {
  const url = process.env.SCHEMA_REGISTRY_URL?.trim().replace(/\/+$/, '');
  if (!url) return undefined;
  return url.endsWith(CCOMPAT_PATH) ? { url, apicurioV2Url: url.slice(0, -CCOMPAT_PATH.length) + '/apis/registry/v2' } : { url };
}

/**
 * The registry shared by every test file of this test run (or the external one). The first
 * process to create the lock folder starts it, detached, and writes its port; the others wait for
 * that file. A detached watchdog kills the registry and removes its files once the test runner
 * (our parent process) has exited.
 */
export async function sharedSchemaRegistry(): Promise<SchemaRegistryEndpoint> {
  const external = externalSchemaRegistry();
  if (external) return external;
  // the first run may unpack the archive before it starts the JVM
  return sharedServer('schema-registry', async (root) => {
    const { child, port } = await launch(root, {}, true);
    return { address: String(port), stopCommand: `kill -9 ${child.pid} 2>/dev/null`, server: endpoint(port) };
  }, (address) => endpoint(Number(address)), 600_000);
}

/**
 * One request to the Confluent API of `registry` (`path` below its base URL, e.g.
 * `/subjects/orders-value/versions`) with Confluent's content type; returns the status and the
 * parsed JSON body, whatever the status.
 */
export async function registryRequest<T = unknown>(registry: SchemaRegistryEndpoint, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${registry.url}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/vnd.schemaregistry.v1+json, application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
