import { decodeInternalJson, encodeInternalJson, isInternalJsonObject, type InternalJson } from './connect-internal-json.js';
import { partitionForKey } from './murmur2-partitioner.js';

/**
 * Records of the offsets topic (`offset.storage.topic`, `connect-offsets` by default) as Kafka
 * Connect's `OffsetStorageWriter` writes them, so offsets move between Kafka Connect and Tributary:
 *
 *   key    ["<connector>",{<source partition>}]     e.g. ["inventory-connector",{"server":"dbserver1"}]
 *   value  {<source offset>}                          e.g. {"lsn":23475576,"txId":747,"ts_usec":...}
 *          null (a tombstone): the offset was reset (KIP-875 DELETE / PATCH with null)
 *
 * both through the internal JsonConverter (`schemas.enable=false`, connect-internal-json.ts), and
 * the record's partition is murmur2 over the key bytes. A source partition's key must be written
 * with its members in the same order as before: compaction and the partitioner see bytes, and
 * Kafka Connect's reader keeps one entry per distinct key bytes.
 */
export type SourcePartition = { readonly [key: string]: InternalJson };
export type SourceOffset = { readonly [key: string]: InternalJson };

export interface OffsetKey {
  readonly connector: string;
  readonly partition: SourcePartition;
}

export function encodeOffsetKey(connector: string, partition: SourcePartition): Buffer {
  return encodeInternalJson([connector, partition]);
}

/**
 * Reads an offsets key; undefined for a key Kafka Connect would also skip (not a two-element
 * array of a connector name and a map; its `OffsetUtils.processPartitionKey` logs and ignores those).
 */
export function decodeOffsetKey(bytes: Uint8Array | null | undefined): OffsetKey | undefined {
  if (!bytes) return undefined;
  let key: InternalJson;
  try {
    key = decodeInternalJson(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(key) || key.length !== 2) return undefined;
  const [connector, partition] = key as readonly InternalJson[];
  if (typeof connector !== 'string' || !isInternalJsonObject(partition)) return undefined;
  return { connector, partition };
}

export function encodeOffsetValue(offset: SourceOffset | null): Buffer | null {
  return offset === null ? null : encodeInternalJson(offset);
}

/** The offset of a value; null for a tombstone; throws SyntaxError/TypeError on anything else. */
export function decodeOffsetValue(bytes: Uint8Array | null | undefined): SourceOffset | null {
  if (!bytes) return null;
  const value = decodeInternalJson(bytes);
  if (value === null) return null;
  if (!isInternalJsonObject(value)) throw new TypeError('an offsets value must be a JSON object or null');
  return value;
}

/** The offsets-topic partition Kafka Connect's producer sends this key to. */
export function offsetKeyPartition(key: Uint8Array, partitions: number): number {
  return partitionForKey(key, partitions);
}
