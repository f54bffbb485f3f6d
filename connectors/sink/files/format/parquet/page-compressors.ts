import { gzipSync } from 'node:zlib';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import type { ParquetCodec } from '../parquet-record-writer.js';
import type { PageCompressor } from './column-pages.js';
import { Codec } from './parquet-enums.js';

/**
 * The page compressor and codec id of each `parquet.codec`: the same compressors the
 * hyparquet-writer path uses (hyparquet-writer's snappy, exported through its package's
 * `./src/*.js` entry; Node's gzip; zstd-napi), so a file's pages compress the same either way.
 * zstd is the caller's to load (the encoder thread loads it only for a zstd file: its memory counts).
 */
export function pageCompressor(codec: ParquetCodec, zstd?: PageCompressor): { codec: number; compress: PageCompressor } {
  switch (codec) {
    case 'snappy':
      return { codec: Codec.SNAPPY, compress: snappyCompress };
    case 'gzip':
      return { codec: Codec.GZIP, compress: (input) => gzipSync(input) };
    case 'zstd':
      if (!zstd) throw new TypeError('pageCompressor: zstd needs its compressor loaded');
      return { codec: Codec.ZSTD, compress: zstd };
    case 'none':
      return { codec: Codec.UNCOMPRESSED, compress: (input) => input };
  }
}
