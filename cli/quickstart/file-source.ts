import { readConfigFile } from '../../runtime/config/config-file.js';
import { SOURCE_NAME, TOPIC_PREFIX } from './pipeline-configs.js';

/**
 * A `--source file.properties|.json` connector config as the quickstart runs it: as written,
 * except for the name (the quickstart's state folder holds one source, under its own name) and a
 * missing topic.prefix (the quickstart's); both said in a notice, never silently. The sink takes
 * the topics of whatever prefix the file sets.
 */
export function fileSource(path: string): { config: Record<string, string>; topicPrefix: string; notices: string[] } {
  const file = readConfigFile(path);
  const notices: string[] = [];
  if (file.name && file.name !== SOURCE_NAME) notices.push(`${path}: the connector "${file.name}" runs as "${SOURCE_NAME}", the quickstart's one source`);
  const topicPrefix = file['topic.prefix'] || TOPIC_PREFIX;
  if (!file['topic.prefix']) notices.push(`${path} sets no topic.prefix: using "${TOPIC_PREFIX}" (topics ${TOPIC_PREFIX}.<schema>.<table>)`);
  return { config: { ...file, name: SOURCE_NAME, 'topic.prefix': topicPrefix }, topicPrefix, notices };
}
