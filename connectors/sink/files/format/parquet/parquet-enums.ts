/** The Thrift enum values of parquet.thrift (apache/parquet-format) that the encoder writes. */
export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;

export const ConvertedType = {
  UTF8: 0, MAP: 1, MAP_KEY_VALUE: 2, LIST: 3, ENUM: 4, DECIMAL: 5, DATE: 6, TIME_MILLIS: 7, TIME_MICROS: 8,
  TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10, UINT_8: 11, UINT_16: 12, UINT_32: 13, UINT_64: 14,
  INT_8: 15, INT_16: 16, INT_32: 17, INT_64: 18, JSON: 19, BSON: 20, INTERVAL: 21,
} as const;

export const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;

export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;

export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, ZSTD: 6 } as const;

export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;

/** LogicalType union members (field ids) */
export const LogicalTypeId = { STRING: 1, MAP: 2, LIST: 3, ENUM: 4, DECIMAL: 5, DATE: 6, TIME: 7, TIMESTAMP: 8, INTEGER: 10, JSON: 12, BSON: 13, UUID: 14 } as const;

/** TimeUnit union members (field ids) */
export const TimeUnitId = { MILLIS: 1, MICROS: 2, NANOS: 3 } as const;
