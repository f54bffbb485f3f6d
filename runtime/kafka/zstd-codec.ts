import { compressionsAlgorithms } from '@platformatic/kafka';
import { compress, decompress } from 'zstd-napi';

/**
 * zstd for @platformatic/kafka on Node 20. The library compresses and decompresses zstd record
 * batches with `node:zlib`'s zstd functions, which exist only from Node 22.15 / 23.8; on Node 20
 * it refuses to produce zstd and, worse, cannot read a zstd batch a Java producer wrote (Debezium
 * with `compression.type=zstd`, or a topic whose `compression.type` is zstd). Its codec table is
 * a plain exported object consulted on every batch, so the project's zstd binding (zstd-napi,
 * already used by the files sink) is put in its place. Idempotent; a no-op where zlib has zstd.
 */
export function ensureKafkaZstd(): void {
  const codec = compressionsAlgorithms.zstd as { compressSync: unknown; decompressSync: unknown; available: boolean };
  if (codec.available) return;
  const toBuffer = (data: Buffer | { buffer: Buffer }) => (Buffer.isBuffer(data) ? data : data.buffer);
  codec.compressSync = (data: Buffer | { buffer: Buffer }) => compress(toBuffer(data));
  codec.decompressSync = (data: Buffer | { buffer: Buffer }) => decompress(toBuffer(data));
  codec.available = true;
}
