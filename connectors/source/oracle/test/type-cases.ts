import type { TypeCase } from '../../../../plugins/testing/source-acceptance.js';

/**
 * Column types with a literal (in the session's NLS forms, as the fake stores values) and the
 * value the source emits for it, checked from the snapshot and from the stream.
 */
export const oracleTypeCases: readonly TypeCase[] = [
  { type: 'NUMBER(10,2)', literal: "'-12.5'", expected: '-12.50' },
  { type: 'NUMBER(38,0)', literal: "'123456789012345678901234567890'", expected: '123456789012345678901234567890' },
  { type: 'NUMBER(18,0)', literal: "'9007199254740993'", expected: 9007199254740993n },
  { type: 'NUMBER(5,0)', literal: "'-32768'", expected: -32768 },
  { type: 'NUMBER', literal: "'-1.25'", expected: { scale: 2, value: Buffer.from([0x83]) } },
  { type: 'FLOAT(126)', literal: "'0.5'", expected: { scale: 1, value: Buffer.from([5]) } },
  { type: 'BINARY_FLOAT', literal: "'1.5E+000'", expected: 1.5 },
  { type: 'BINARY_DOUBLE', literal: "'-2.25E+100'", expected: -2.25e100 },
  { type: 'VARCHAR2(40)', literal: "'it''s'", expected: "it's" },
  { type: 'CHAR(3)', literal: "'ab '", expected: 'ab ' },
  { type: 'NVARCHAR2(20)', literal: "'été'", expected: 'été' },
  { type: 'DATE', literal: "TO_DATE('2024-02-29 13:14:15', 'YYYY-MM-DD HH24:MI:SS')", expected: Date.UTC(2024, 1, 29, 13, 14, 15) },
  { type: 'TIMESTAMP(3)', literal: "TO_TIMESTAMP('2024-01-02 03:04:05.678000000')", expected: Date.UTC(2024, 0, 2, 3, 4, 5, 678) },
  { type: 'TIMESTAMP(6)', literal: "TO_TIMESTAMP('1969-12-31 23:59:59.999999000')", expected: -1 },
  { type: 'TIMESTAMP(9)', literal: "TO_TIMESTAMP('2024-01-02 03:04:05.123456789')", expected: 1_704_164_645_123_456_789n },
  { type: 'TIMESTAMP(6) WITH TIME ZONE', literal: "TO_TIMESTAMP_TZ('2024-01-02 03:04:05.500000000 +02:00')", expected: '2024-01-02T03:04:05.5+02:00' },
  { type: 'TIMESTAMP(6) WITH LOCAL TIME ZONE', literal: "TO_TIMESTAMP('2024-01-02 03:04:05.000000000')", expected: '2024-01-02T03:04:05Z' },
  { type: 'INTERVAL YEAR(2) TO MONTH', literal: "TO_YMINTERVAL('+01-06')", expected: Math.round(18 * (365.25 / 12) * 86_400_000_000) },
  { type: 'INTERVAL DAY(2) TO SECOND(6)', literal: "TO_DSINTERVAL('-01 02:03:04.500000')", expected: -(((24 + 2) * 60 + 3) * 60 + 4) * 1_000_000 - 500_000 },
  { type: 'RAW(4)', literal: "HEXTORAW('00FF10AB')", expected: Buffer.from('00ff10ab', 'hex') },
  { type: 'VARCHAR2(40)', literal: 'NULL', expected: null },
];
