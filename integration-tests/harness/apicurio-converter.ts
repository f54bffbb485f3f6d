import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveKafkaTools } from './kafka-distribution.js';
import { cachedFolder, copyMavenArtifacts, type MavenArtifact } from './maven-artifacts.js';
import type { SchemaRegistryEndpoint } from './schema-registry.js';

/**
 * Apicurio's Kafka Connect converter, as a plugin folder for a Kafka Connect worker: the Avro
 * counterpart of Confluent's `io.confluent.connect.avro.AvroConverter`, which is not on Maven
 * Central either.
 *
 * 2.6.13.Final is the newest Maven Central serves with its jar: for 3.x only the poms of
 * `apicurio-registry-utils-converter` and its serdes are there (3.3.3, 3.3.2, 3.2.1 and 3.1.7 tried).
 * It is built against Kafka 3.x's `connect-api` and runs on the harness's Kafka Connect 4.3.0. It
 * talks to Apicurio's v2 REST API (which Apicurio Registry 3.3 still serves), not to the Confluent
 * one, but with `apicurioConverterProperties()` it writes Confluent's wire format: a 0 byte, the
 * 4-byte schema id, then the Avro binary, and that id is the one `GET /schemas/ids/{id}` of the
 * Confluent API answers (content ids on both sides).
 *
 * Its jar has no ServiceLoader manifest, which the harness's `plugin.discovery=service_load`
 * needs: Kafka's own `connect-plugin-path sync-manifests` adds one (a shim jar in the folder),
 * as Kafka's documentation tells an operator to do for such a plugin.
 */
export const APICURIO_CONVERTER_VERSION = '2.6.13.Final';
export const APICURIO_AVRO_CONVERTER = 'io.apicurio.registry.utils.converter.AvroConverter';

const CONVERTER: MavenArtifact = { groupId: 'io.apicurio', artifactId: 'apicurio-registry-utils-converter', version: APICURIO_CONVERTER_VERSION, excludeGroupIds: ['org.apache.kafka'] };

/** The folder to name in `plugin.path` (its `lib/` is the plugin), resolved once into the cache. */
export function resolveApicurioConverterPlugin(): string {
  const name = `apicurio-registry-utils-converter-${APICURIO_CONVERTER_VERSION}-plugin`;
  return cachedFolder(name, `${CONVERTER.groupId}:${CONVERTER.artifactId}:${CONVERTER.version} + connect-plugin-path sync-manifests`, (work) => {
    copyMavenArtifacts(work, name, [CONVERTER]);
    const tools = resolveKafkaTools();
    const result = spawnSync('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', tools.classPath, 'org.apache.kafka.tools.ConnectPluginPath', 'sync-manifests', '--plugin-location', join(work, 'lib')], { encoding: 'utf8', timeout: 180_000 });
    if (result.status !== 0 || !/Add\s+io\.apicurio\.registry\.utils\.converter\.AvroConverter/.test(result.stdout)) {
      throw new Error(`connect-plugin-path sync-manifests did not add the converter's manifest:\n${result.stdout}${result.stderr}`);
    }
  });
}

/**
 * The converter properties (under `prefix`: `value.converter` or `key.converter`) that make
 * Apicurio's AvroConverter register under `<topic>-value` / `<topic>-key` (TopicIdStrategy, the
 * Confluent default) and write Confluent's wire format:
 * - `headers.enabled=false`: the id goes in the payload, not in Kafka headers (Apicurio's default);
 * - `as-confluent=true`: a 4-byte id (`Legacy4ByteIdHandler`) instead of Apicurio's 8-byte one;
 * - `use-id=contentId`: the content id, the id of the Confluent API, not the global (version) id.
 */
export function apicurioConverterProperties(registry: SchemaRegistryEndpoint, prefix = 'value.converter'): Record<string, string> {
  if (!registry.apicurioV2Url) throw new Error(`Apicurio's converter needs Apicurio's v2 API; ${registry.url} is not an Apicurio registry's Confluent API`);
  const settings: Record<string, string> = {
    'apicurio.registry.url': registry.apicurioV2Url,
    'apicurio.registry.auto-register': 'true',
    'apicurio.registry.headers.enabled': 'false',
    'apicurio.registry.as-confluent': 'true',
    'apicurio.registry.use-id': 'contentId',
  };
  return { [prefix]: APICURIO_AVRO_CONVERTER, ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${prefix}.${k}`, v])) };
}
