/**
 * Kafka's murmur2 hash and the partition its Java producer picks for a keyed record
 * (`BuiltInPartitioner.partitionForKey`: `Utils.toPositive(Utils.murmur2(key)) % partitions`), so
 * a record Tributary writes lands on the partition Kafka Connect would have chosen: offsets records
 * of one source partition on one topic partition, and source records keyed as Debezium keys them.
 *
 * A port of `org.apache.kafka.common.utils.Utils.murmur2` (seed 0x9747b28c, m 0x5bd1e995, r 24)
 * with 32-bit integer arithmetic; checked against Kafka's own values in
 * integration-tests/fixtures/kafka-connect/kafka-connect-goldens.json.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The signed 32-bit murmur2 of `data`, as Java's `Utils.murmur2` returns it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    let k = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = blocks * 4;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[tail], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's Java producer picks for a record with this key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`a topic has at least one partition, not ${partitions}`);
  return (murmur2(key) & 0x7fffffff) % partitions;
}
