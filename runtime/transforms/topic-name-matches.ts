import { defineConfigSpec, prop, type ConnectRecord } from '../../plugins/api/index.js';
import { compileJavaRegex } from './java-regex.js';
import type { Predicate } from './transform.js';
import { definePredicatePlugin } from './transform-support.js';

export const topicNameMatchesSpec = defineConfigSpec(
  {
    pattern: prop.string({ doc: 'Java regular expression matched against the whole topic name.', required: true, importance: 'medium' }),
  },
  (values, issues) => {
    // Refused at POST with the reason rather than failing the task at start.
    try {
      compileJavaRegex(values.pattern);
    } catch (error) {
      issues.add('pattern', `invalid regular expression: ${(error as Error).message}`);
    }
  },
);

/** Kafka Connect's TopicNameMatches: true when the whole topic name matches `pattern`. */
export class TopicNameMatches implements Predicate {
  readonly #regex: RegExp;
  /** topics are few and fixed per table, so each is tested once */
  readonly #seen = new Map<string, boolean>();

  constructor(pattern: string) {
    this.#regex = compileJavaRegex(pattern);
  }

  test(record: ConnectRecord): boolean {
    let matches = this.#seen.get(record.topic);
    if (matches === undefined) {
      matches = this.#regex.test(record.topic);
      if (this.#seen.size >= 4096) this.#seen.clear();
      this.#seen.set(record.topic, matches);
    }
    return matches;
  }
}

export const topicNameMatchesPlugin = definePredicatePlugin({
  name: 'TopicNameMatches',
  aliases: ['org.apache.kafka.connect.transforms.predicates.TopicNameMatches'],
  configSpec: topicNameMatchesSpec,
  create: (config) => new TopicNameMatches(config.pattern),
});
