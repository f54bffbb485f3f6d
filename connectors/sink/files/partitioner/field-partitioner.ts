import type { SinkRecord } from '../../../../plugins/api/index.js';
import { rowImage } from '../row-shaper.js';
import type { Partitioner } from './partitioner.js';

/**
 * Confluent's FieldPartitioner: `<field>=<value>/...` from the row (the after-image, or the
 * before-image of a delete, so a key's delete lands beside its inserts). Characters that would
 * make a path separator or a hidden directory are replaced; null is written `null`.
 */
export class FieldPartitioner implements Partitioner {
  readonly #names: readonly string[];

  constructor(names: readonly string[]) {
    this.#names = names;
  }

  encodePartition(record: SinkRecord): string {
    const row = rowImage(record);
    return this.#names.map((name) => `${name}=${pathSafe(row?.[name])}`).join('/');
  }
}

export function pathSafe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/[/\\\0]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length)) || '_';
}
