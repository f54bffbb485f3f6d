import { defineConfigSpec, prop } from '../../../plugins/api/index.js';

export const datagenConfigSpec = defineConfigSpec({
  topic: prop.string({ doc: 'Topic the generated changes are published to.', required: true, importance: 'high' }),
  'rows.per.second': prop.int({ doc: 'Rate limit; 0 means as fast as the pipeline takes them.', default: 0, min: 0 }),
  'max.records': prop.long({ doc: 'Stop producing after this sequence number; 0 means never stop.', default: 0, min: 0 }),
  keys: prop.int({ doc: 'Distinct keys the cdc mix cycles through (insert mode uses seq as the key).', default: 1000, min: 1 }),
  ops: prop.enum(['insert', 'cdc'] as const, { doc: '`insert` emits only creates; `cdc` a deterministic mix of inserts, updates and deletes with exact before-images.', default: 'insert' }),
  seed: prop.long({ doc: 'Seed of the generator: same seed, same records.', default: 42 }),
  'ts.start.ms': prop.long({ doc: 'Record time of seq 0, in epoch milliseconds; record time is ts.start.ms + seq × ts.step.ms.', default: 1767225600000 }),
  'ts.step.ms': prop.long({ doc: 'Record time added per sequence number.', default: 1, min: 0 }),
  'batch.size': prop.int({ doc: 'Most records one poll returns.', default: 2000, min: 1, importance: 'low' }),
});
