import { Compressor } from 'zstd-napi';

let compressor: Compressor | undefined;

/** Parquet's ZSTD codec through zstd-napi, reusing one native context (level 3, zstd's default). */
export function zstdCompress(input: Uint8Array): Uint8Array {
  if (!compressor) {
    compressor = new Compressor();
    compressor.setParameters({ compressionLevel: 3 });
  }
  return new Uint8Array(compressor.compress(input));
}
