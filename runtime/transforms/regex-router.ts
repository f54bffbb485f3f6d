import { defineConfigSpec, prop, type ConfigOf, type ConnectRecord } from '../../plugins/api/index.js';
import { compileJavaRegex, compileJavaReplacement, type Replacer } from './java-regex.js';
import type { Transform } from './transform.js';
import { defineTransformPlugin } from './transform-support.js';

export const regexRouterSpec = defineConfigSpec(
  {
    regex: prop.string({ doc: 'Java regular expression matched against the whole topic name.', required: true, importance: 'high' }),
    replacement: prop.string({ doc: 'Replacement topic name; $1, ${name} refer to groups of the regex, \\$ is a literal $.', required: true, importance: 'high' }),
  },
  (values, issues) => {
    // Compiled here too so a bad pattern is refused at POST with the reason, not per record.
    let regex: RegExp;
    try {
      regex = compileJavaRegex(values.regex);
    } catch (error) {
      issues.add('regex', `invalid regular expression: ${(error as Error).message}`);
      return;
    }
    try {
      compileJavaReplacement(values.replacement, regex);
    } catch (error) {
      issues.add('replacement', `invalid replacement: ${(error as Error).message}`);
    }
  },
);

type RegexRouterConfig = ConfigOf<typeof regexRouterSpec.properties>;

/** Bounds the topic cache: topic names come from tables, but a misconfigured source could produce many. */
const CACHE_LIMIT = 4096;

/**
 * Kafka Connect's RegexRouter: renames the topic when the whole name matches `regex`, leaving
 * other topics alone. Results are cached per topic since a source emits few distinct topics.
 */
export class RegexRouter implements Transform {
  readonly #regex: RegExp;
  readonly #replace: Replacer;
  readonly #cache = new Map<string, string>();

  constructor(config: RegexRouterConfig) {
    this.#regex = compileJavaRegex(config.regex);
    this.#replace = compileJavaReplacement(config.replacement, this.#regex);
  }

  route(topic: string): string {
    let routed = this.#cache.get(topic);
    if (routed === undefined) {
      const match = this.#regex.exec(topic);
      routed = match === null ? topic : this.#replace(match);
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(topic, routed);
    }
    return routed;
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const topic = this.route(record.topic);
    return topic === record.topic ? record : { ...record, topic };
  }
}

export const regexRouterPlugin = defineTransformPlugin({
  name: 'RegexRouter',
  aliases: ['org.apache.kafka.connect.transforms.RegexRouter'],
  configSpec: regexRouterSpec,
  create: (config) => new RegexRouter(config),
});
