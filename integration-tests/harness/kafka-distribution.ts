import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classPathOf, resolveMavenArtifacts, type MavenArtifact } from './maven-artifacts.js';

/**
 * The Apache Kafka the tests run: the broker jars from Maven Central (`kafka_2.13`, which pulls in
 * server, raft, metadata, storage, the coordinators and the tools), plus a logging backend, which
 * Kafka's Maven artifacts do not bring.
 *
 * 4.4.0 is the newest 4.x on Maven Central; its server classes are Java 17 bytecode (class version
 * 61) and it runs on the machine's Java 17. Kafka Connect for the interop tests is pinned to the
 * same version (`kafka-connect.ts`).
 */
export const KAFKA_VERSION = '4.4.0';

/**
 * Kafka 4.4.0 resolves `slf4j-api` 1.7.36 and `log4j-core` 2.25.5, so the matching binding is
 * log4j's slf4j 1.7 bridge (`log4j-slf4j-impl`, not the slf4j 2 `log4j-slf4j2-impl`).
 * `resolveKafka` checks the resolved jars against these pins and says what to change.
 */
export const LOG4J_VERSION = '2.25.5';
const SLF4J_BINDING = { slf4jMajor: '1', artifactId: 'log4j-slf4j-impl' } as const;

/** log4j2 and the slf4j 1.7 binding, for any of Kafka's Java programs (broker, Connect). */
export function loggingArtifacts(): MavenArtifact[] {
  return [
    { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: LOG4J_VERSION },
    { groupId: 'org.apache.logging.log4j', artifactId: SLF4J_BINDING.artifactId, version: LOG4J_VERSION },
  ];
}

export interface KafkaDistribution {
  readonly version: string;
  /** the cache folder holding `lib/` */
  readonly folder: string;
  /** `java -cp` value */
  readonly classPath: string;
}

export function kafkaArtifacts(version = KAFKA_VERSION): MavenArtifact[] {
  return [{ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version }, ...loggingArtifacts()];
}

/** Resolves (once, then from the cache) the broker's jars. */
export function resolveKafka(version = KAFKA_VERSION): KafkaDistribution {
  const folder = resolveMavenArtifacts(`kafka-${version}-log4j-${LOG4J_VERSION}`, kafkaArtifacts(version));
  checkLoggingJars(join(folder, 'lib'));
  return { version, folder, classPath: classPathOf(folder) };
}

/** Kafka's command-line tools (ProducerPerformance, ConsumerPerformance: the benchmarks' references), kept apart from the broker's jars. */
export function resolveKafkaTools(version = KAFKA_VERSION): KafkaDistribution {
  const folder = resolveMavenArtifacts(`kafka-tools-${version}-log4j-${LOG4J_VERSION}`, [{ groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version }, ...loggingArtifacts()]);
  checkLoggingJars(join(folder, 'lib'));
  return { version, folder, classPath: classPathOf(folder) };
}

/**
 * A wrong or missing binding does not fail the broker: slf4j silently falls back to a no-op
 * logger and a broker that cannot start says nothing. So the pins are checked here.
 */
export function checkLoggingJars(lib: string): void {
  const jars = readdirSync(lib);
  const slf4j = jars.find((j) => /^slf4j-api-\d/.test(j));
  const binding = jars.find((j) => j.startsWith(`${SLF4J_BINDING.artifactId}-`));
  const core = jars.find((j) => j.startsWith('log4j-core-'));
  if (!slf4j || !binding || !core) throw new Error(`Kafka's jars in ${lib} lack slf4j-api, ${SLF4J_BINDING.artifactId} or log4j-core`);
  const major = /^slf4j-api-(\d+)\./.exec(slf4j)![1];
  if (major !== SLF4J_BINDING.slf4jMajor) {
    throw new Error(`Kafka resolved ${slf4j}: use log4j's binding for slf4j ${major} (log4j-slf4j${major === '2' ? '2' : ''}-impl) in kafka-distribution.ts`);
  }
}

/**
 * A quiet log4j2 configuration: warnings and errors only, to `<dir>/server.log` (read by the
 * harness when a broker fails to start), nothing on the console.
 */
export function writeQuietLog4j2Config(dir: string, logFile: string, infoLogger = 'kafka.server.KafkaRaftServer'): string {
  const path = join(dir, 'log4j2.properties');
  writeFileSync(path, [
    'status = error',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = WARN',
    'rootLogger.appenderRef.file.ref = file',
    // the one INFO line that tells a reader of the log when the server was up
    `logger.server.name = ${infoLogger}`,
    'logger.server.level = INFO',
    '',
  ].join('\n'));
  return path;
}
