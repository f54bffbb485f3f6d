import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackage } from './apt.js';

/**
 * Jars from Maven Central for the reference servers the tests run (Apache Kafka, Kafka Connect,
 * Debezium), resolved with their runtime dependencies by `mvn dependency:copy-dependencies` from a
 * small pom written here, and cached outside the checkout under `~/.cache/tributary/<name>` (or
 * `$TRIBUTARY_CACHE_DIR/<name>`), so a second run starts at once and a clean clone in CI needs
 * nothing but Java, Maven and the network to Maven Central.
 *
 * The cache folder is filled in a temporary sibling and renamed into place only when the copy
 * succeeded, so a run killed half-way never leaves a folder that looks complete.
 */
export interface MavenArtifact {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  /** groups whose jars must not be copied (e.g. `org.apache.kafka` for a Connect plugin folder) */
  readonly excludeGroupIds?: readonly string[];
}

/** maven-dependency-plugin 3.x: the plugin Maven 3.8 picks by default is older and lacks options */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export function cacheRoot(): string {
  return process.env.TRIBUTARY_CACHE_DIR ?? join(homedir(), '.cache', 'tributary');
}

function ensureJavaAndMaven(): void {
  ensureDebianPackage('openjdk-17-jre-headless', '/usr/bin/java');
  ensureDebianPackage('maven', '/usr/bin/mvn');
}

/**
 * Returns a folder holding the jars of `artifacts` and all their runtime dependencies,
 * resolving them on first use. `name` names the cache folder and must change with the artifact
 * list (put the versions in it).
 */
export function resolveMavenArtifacts(name: string, artifacts: readonly MavenArtifact[]): string {
  const target = join(cacheRoot(), name);
  if (existsSync(join(target, '.complete'))) return target;
  ensureJavaAndMaven();
  mkdirSync(cacheRoot(), { recursive: true });
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'lib'), { recursive: true });
  const excluded = [...new Set(artifacts.flatMap((a) => a.excludeGroupIds ?? []))];
  writeFileSync(join(work, 'pom.xml'), pom(name, artifacts));
  const args = [
    '-B', '-q', '-f', join(work, 'pom.xml'),
    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    '-DincludeScope=runtime',
    `-DoutputDirectory=${join(work, 'lib')}`,
    ...(excluded.length > 0 ? [`-DexcludeGroupIds=${excluded.join(',')}`] : []),
  ];
  const result = spawnSync('mvn', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  if (result.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`mvn could not resolve ${name} (${artifacts.map(coordinates).join(', ')}):\n${output}`);
  }
  if (readdirSync(join(work, 'lib')).length === 0) throw new Error(`mvn resolved no jars for ${name}`);
  writeFileSync(join(work, '.complete'), artifacts.map(coordinates).join('\n') + '\n');
  rmSync(target, { recursive: true, force: true });
  try {
    renameSync(work, target);
  } catch (error) {
    // another test process finished the same resolution first: use its folder
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(target, '.complete'))) throw error;
  }
  return target;
}

/** The class path (`<folder>/lib/*`) of a resolved folder. */
export function classPathOf(folder: string): string {
  return join(folder, 'lib', '*');
}

function coordinates(a: MavenArtifact): string {
  return `${a.groupId}:${a.artifactId}:${a.version}`;
}

function pom(name: string, artifacts: readonly MavenArtifact[]): string {
  const deps = artifacts.map((a) => `    <dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tributary.test</groupId>
  <artifactId>${name.replace(/[^A-Za-z0-9_.-]/g, '-')}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}
