import { IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';

/** An aborted transaction a read_committed Fetch response lists for a partition. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** The control record type of an abort marker (its key is `int16 version, int16 type`). */
const ABORT_MARKER = 0;

/**
 * The batches of one partition of a read_committed Fetch response that belong to aborted
 * transactions, as Kafka's Java consumer finds them (`CompletedFetch`): walking the batches in
 * offset order, a producer becomes "aborted" once a batch reaches the first offset of one of its
 * aborted transactions the broker listed, stays so until its abort marker, and its transactional
 * data batches in between are aborted. The callers skip their records but still step over them
 * to advance their fetch offset.
 *
 * Why not the client library's own filter: @platformatic/kafka 1.35 keeps one range per producer
 * id (a task's transactional producer keeps its id across epochs, so every transaction it
 * aborted but the last is delivered) and delivers an aborted transaction whose marker is not in
 * the same response. Its filter only ever removes aborted batches, so this one runs after it.
 */
export function abortedBatches(batches: readonly RecordsBatch[], aborted: readonly AbortedTransaction[] | undefined): ReadonlySet<RecordsBatch> {
  if (!aborted || aborted.length === 0) return NONE;
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  let next = 0;
  const abortedProducers = new Set<bigint>();
  const out = new Set<RecordsBatch>();
  for (const batch of batches) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (next < pending.length && pending[next].firstOffset <= lastOffset) abortedProducers.add(pending[next++].producerId);
    if (batch.attributes & IS_CONTROL) {
      if (controlType(batch) === ABORT_MARKER) abortedProducers.delete(batch.producerId);
    } else if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) {
      out.add(batch);
    }
  }
  return out;
}

const NONE: ReadonlySet<RecordsBatch> = new Set();

function controlType(batch: RecordsBatch): number | undefined {
  const key = batch.records[0]?.key;
  return key && key.length >= 4 ? key.readInt16BE(2) : undefined;
}
