import { gzipSync } from 'node:zlib';
import type { ParquetCodec } from '../parquet-record-writer.js';
import type { PageCompressor } from './column-pages.js';
import { Codec } from './parquet-enums.js';
import { SnappyCompressor } from './snappy-compressor.js';

/**
 * The page compressor and codec id of each `parquet.codec`: snappy-compressor.ts (one per file:
 * its buffers are reused from page to page, and a page is copied out before the next is
 * compressed), Node's gzip and zstd-napi as the hyparquet-writer path uses them.
 * zstd is the caller's to load (the encoder thread loads it only for a zstd file: its memory counts).
 */
export function pageCompressor(codec: ParquetCodec, zstd?: PageCompressor): { codec: number; compress: PageCompressor } {
  switch (codec) {
    case 'snappy': {
      const snappy = new SnappyCompressor();
      return { codec: Codec.SNAPPY, compress: (input) => snappy.compress(input) };
    }
    case 'gzip':
      return { codec: Codec.GZIP, compress: (input) => gzipSync(input) };
    case 'zstd':
      if (!zstd) throw new TypeError('pageCompressor: zstd needs its compressor loaded');
      return { codec: Codec.ZSTD, compress: zstd };
    case 'none':
      return { codec: Codec.UNCOMPRESSED, compress: (input) => input };
  }
}
