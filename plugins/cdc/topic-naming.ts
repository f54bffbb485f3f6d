import type { Logger } from '../api/index.js';

/** Kafka's longest topic name; Debezium cuts sanitized names to it */
const MAX_TOPIC_LENGTH = 249;

/**
 * A topic name Kafka accepts, as Debezium 3.6's topic naming strategy makes it: every UTF-16
 * code unit outside `[A-Za-z0-9._-]` becomes `_` (so `Mixed Case` → `Mixed_Case`, `é` → `_`),
 * the result is cut to 249 characters, and `.` / `..` become `_` / `__`. Distinct tables can
 * end up on one topic (`a b` and `a_b`), as with Debezium.
 */
export function sanitizeTopicName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const valid = c === 46 || c === 95 || c === 45 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    out += valid ? name[i] : '_';
  }
  if (out.length > MAX_TOPIC_LENGTH) return out.slice(0, MAX_TOPIC_LENGTH);
  if (out === '.') return '_';
  if (out === '..') return '__';
  return out;
}

/**
 * The data-change topic of each table, `<topic.prefix>.<schema>.<table>` sanitized, with
 * Debezium's warning logged the first time a table's name had to change (one namer per task, so
 * a table described again after ALTER TABLE is not warned about twice).
 */
export class TopicNamer {
  readonly #logger: Logger | undefined;
  readonly #warned = new Set<string>();

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  dataChangeTopic(topicPrefix: string, schema: string, table: string): string {
    const raw = `${topicPrefix}.${schema}.${table}`;
    const topic = sanitizeTopicName(raw);
    if (topic !== raw && !this.#warned.has(raw)) {
      this.#warned.add(raw);
      this.#logger?.warn({ schema, table, topic }, `Topic '${raw}' name isn't a valid topic name, replacing it with '${topic}'.`);
    }
    return topic;
  }
}
