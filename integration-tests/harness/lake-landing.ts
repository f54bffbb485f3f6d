import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RawConfig, Schema, SinkRecord } from '../../plugins/api/index.js';
import { filesSinkSpec, type FilesSinkConfig } from '../../connectors/sink/files/files-sink-config.js';
import { FilesSinkTask } from '../../connectors/sink/files/files-sink-task.js';
import { listFiles } from '../../connectors/sink/files/test/read-back.js';
import { sinkContext } from '../../connectors/sink/files/test/sink-fixtures.js';

/**
 * Helpers of the types-into-the-lake tests: a source's change records landed by the files sink
 * in one format, and the row values and schemas they carry, to compare with what landed.
 */

/** Writes the records in one format into `root`; returns the files written (every record must be taken). */
export async function landRecords(records: SinkRecord[], root: string, format: string, flushSize: number, extra: RawConfig = {}): Promise<string[]> {
  const context = sinkContext<FilesSinkConfig>(filesSinkSpec, { topics: records[0].topic, 'store.url': `file://${root}`, format, 'flush.size': String(flushSize), ...extra });
  const task = new FilesSinkTask();
  await task.start(context);
  await task.put(records);
  await task.closeAll();
  await task.stop();
  assert.deepEqual(context.errant.map((e) => String(e.error)), [], `${format}: every record lands`);
  return listFiles(root).map((f) => join(root, f));
}

export type Row = Record<string, unknown>;

/** The row after the change (the envelope's `after`). */
export function afterOf(r: SinkRecord): Row {
  return (r.value as { after: Row }).after;
}

/** The row's field schemas by column name (the envelope's `after` schema). */
export function rowSchema(r: SinkRecord): Map<string, Schema> {
  const after = r.valueSchema!.fields!.find((f) => f.name === 'after')!.schema;
  return new Map(after.fields!.map((f) => [f.name, f.schema]));
}
