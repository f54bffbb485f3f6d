import { defineConfigSpec, prop, type ConnectRecord } from '../../plugins/api/index.js';
import type { Predicate } from './transform.js';
import { definePredicatePlugin } from './transform-support.js';

export const hasHeaderKeySpec = defineConfigSpec({
  name: prop.string({ doc: 'The header name to look for.', required: true, importance: 'medium' }),
});

/** Kafka Connect's HasHeaderKey: true when the record has a header with that name. */
export class HasHeaderKey implements Predicate {
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  test(record: ConnectRecord): boolean {
    return record.headers !== undefined && Object.hasOwn(record.headers, this.#name);
  }
}

export const hasHeaderKeyPlugin = definePredicatePlugin({
  name: 'HasHeaderKey',
  aliases: ['org.apache.kafka.connect.transforms.predicates.HasHeaderKey'],
  configSpec: hasHeaderKeySpec,
  create: (config) => new HasHeaderKey(config.name),
});
