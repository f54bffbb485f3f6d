import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackage } from './apt.js';

/**
 * Jars from Maven Central for the reference servers the tests run (Apache Kafka, Kafka Connect,
 * Debezium, Apicurio Registry), resolved with their runtime dependencies by
 * `mvn dependency:copy-dependencies` from a small pom written here (or a distribution archive
 * unpacked by `mvn dependency:unpack`), and cached outside the checkout under
 * `~/.cache/tributary/<name>` (or `$TRIBUTARY_CACHE_DIR/<name>`), so a second run starts at once and
 * a clean clone in CI needs nothing but Java, Maven and the network to Maven Central.
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
 * Returns the cache folder `name`, filling it with `fill(work)` on first use. `fill` writes into
 * `work`, a temporary sibling that is renamed into place only once it returned, so a run killed
 * half-way never leaves a folder that looks complete; `describe` goes into its `.complete` marker.
 * Java and Maven are installed first (every filler here runs one or the other).
 */
export function cachedFolder(name: string, describe: string, fill: (work: string) => void): string {
  const target = join(cacheRoot(), name);
  if (existsSync(join(target, '.complete'))) return target;
  ensureJavaAndMaven();
  mkdirSync(cacheRoot(), { recursive: true });
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    fill(work);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(join(work, '.complete'), describe + '\n');
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

/**
 * Runs Maven in batch mode in `cwd` (a goal run without a project writes into `./${project.basedir}`
 * there); throws with the last lines of its output when it fails.
 */
export function runMaven(cwd: string, args: readonly string[], what: string): void {
  const result = spawnSync('mvn', ['-B', '-q', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`mvn could not resolve ${what}:\n${output}`);
  }
}

/**
 * Returns a folder holding the jars of `artifacts` and all their runtime dependencies,
 * resolving them on first use. `name` names the cache folder and must change with the artifact
 * list (put the versions in it).
 */
export function resolveMavenArtifacts(name: string, artifacts: readonly MavenArtifact[]): string {
  return cachedFolder(name, artifacts.map(coordinates).join('\n'), (work) => copyMavenArtifacts(work, name, artifacts));
}

/** Copies the jars of `artifacts` and their runtime dependencies into `<folder>/lib`. */
export function copyMavenArtifacts(folder: string, name: string, artifacts: readonly MavenArtifact[]): void {
  mkdirSync(join(folder, 'lib'), { recursive: true });
  const excluded = [...new Set(artifacts.flatMap((a) => a.excludeGroupIds ?? []))];
  writeFileSync(join(folder, 'pom.xml'), pom(name, artifacts));
  runMaven(folder, [
    '-f', join(folder, 'pom.xml'),
    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    '-DincludeScope=runtime',
    `-DoutputDirectory=${join(folder, 'lib')}`,
    ...(excluded.length > 0 ? [`-DexcludeGroupIds=${excluded.join(',')}`] : []),
  ], `${name} (${artifacts.map(coordinates).join(', ')})`);
  if (readdirSync(join(folder, 'lib')).length === 0) throw new Error(`mvn resolved no jars for ${name}`);
}

/**
 * An archive that a project publishes on Maven Central beside its jar (a distribution such as
 * `<artifact>-<version>-all.tar.gz`), unpacked into the cache folder `name` on first use.
 * `coordinates` is `groupId:artifactId:version:type:classifier`.
 */
export function resolveMavenArchive(name: string, coordinates: string): string {
  return cachedFolder(name, coordinates, (work) => {
    runMaven(work, [`${DEPENDENCY_PLUGIN}:unpack`, `-Dartifact=${coordinates}`, `-DoutputDirectory=${work}`], coordinates);
    // without a project, unpack keeps its "already unpacked" marker files in `./${project.basedir}`
    // (`-DmarkersDirectory` is not read): run in the fresh folder, no marker can skip the unpack
    rmSync(join(work, '${project.basedir}'), { recursive: true, force: true });
    if (readdirSync(work).length === 0) throw new Error(`mvn unpacked nothing for ${coordinates}`);
  });
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
