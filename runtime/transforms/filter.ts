import { defineConfigSpec, type ConnectRecord } from '../../plugins/api/index.js';
import type { Transform } from './transform.js';
import { defineTransformPlugin } from './transform-support.js';

/**
 * Kafka Connect's Filter: drops every record it is applied to. It is meant to be used with a
 * predicate (`transforms.x.predicate`), which decides which records reach it.
 */
export class Filter implements Transform {
  apply<R extends ConnectRecord>(_record: R): R | null {
    return null;
  }
}

export const filterPlugin = defineTransformPlugin({
  name: 'Filter',
  aliases: ['org.apache.kafka.connect.transforms.Filter'],
  configSpec: defineConfigSpec({}),
  create: () => new Filter(),
});
