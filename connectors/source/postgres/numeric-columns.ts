import { Schemas } from '../../../plugins/api/index.js';
import type { ColumnType } from './pg-type-mapper.js';
import { parseMoney } from './pg-text-parsers.js';

/**
 * numeric and money under Debezium's `decimal.handling.mode` (measured against Debezium 3.6.1):
 * - `precise` (default): numeric(p,s) and money are Kafka Connect Decimals (exact text in
 *   memory); unconstrained numeric, whose scale varies per value, is Debezium's
 *   VariableScaleDecimal struct `{scale, value}` (value: the unscaled two's complement bytes,
 *   trailing fraction zeros stripped). NaN and ±Infinity fit neither: null, as in Debezium.
 * - `string`: the exact decimal text; NaN is `NAN`, ±Infinity `POSITIVE_INFINITY` /
 *   `NEGATIVE_INFINITY`, Debezium's spellings.
 * - `double`: a float64 (NaN and ±Infinity included); inexact beyond 15–17 digits.
 */
export type DecimalHandlingMode = 'precise' | 'string' | 'double';

const v1 = <T extends object>(schema: T): T => Object.freeze({ ...schema, version: 1 });

const VARIABLE_SCALE_DECIMAL = v1(Schemas.struct(
  [Schemas.field('scale', Schemas.int32()), Schemas.field('value', Schemas.bytes())],
  { name: 'io.debezium.data.VariableScaleDecimal', doc: 'Variable scaled decimal' },
));
const FLOAT64 = Schemas.float64();
const STRING = Schemas.string();

const SPECIAL_STRINGS: Record<string, string> = { NaN: 'NAN', Infinity: 'POSITIVE_INFINITY', '-Infinity': 'NEGATIVE_INFINITY' };

const isSpecial = (text: string): boolean => text === 'NaN' || text === 'Infinity' || text === '-Infinity';

export function numericColumn(typmod: number, mode: DecimalHandlingMode): ColumnType {
  if (mode === 'double') return { schema: FLOAT64, fromText: Number, placeholder: 'none' };
  if (mode === 'string') return { schema: STRING, fromText: (t) => SPECIAL_STRINGS[t] ?? t, placeholder: 'string' };
  // an unconstrained numeric (typmod -1) has a scale per value: no fixed-scale Decimal holds it
  if (typmod < 4) return { schema: VARIABLE_SCALE_DECIMAL, fromText: variableScaleDecimal, placeholder: 'none' };
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0x7ff;
  return { schema: v1(Schemas.decimal(precision, scale)), fromText: (t) => (isSpecial(t) ? null : t), placeholder: 'none' };
}

/** money, with the two fraction digits of lc_monetary=C (Debezium's money.fraction.digits=2). */
export function moneyColumn(mode: DecimalHandlingMode): ColumnType {
  if (mode === 'double') return { schema: FLOAT64, fromText: (t) => Number(parseMoney(t)), placeholder: 'none' };
  if (mode === 'string') return { schema: STRING, fromText: parseMoney, placeholder: 'string' };
  return { schema: v1(Schemas.decimal(undefined, 2)), fromText: parseMoney, placeholder: 'none' };
}

/** `-123.450` → `{ scale: 2, value: <-12345 as two's complement bytes> }`; NaN and ±Infinity → null. */
export function variableScaleDecimal(text: string): { scale: number; value: Buffer } | null {
  if (isSpecial(text)) return null;
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const point = body.indexOf('.');
  const fraction = point < 0 ? '' : body.slice(point + 1).replace(/0+$/, '');
  const unscaled = BigInt((point < 0 ? body : body.slice(0, point)) + fraction);
  return { scale: fraction.length, value: twosComplement(negative ? -unscaled : unscaled) };
}

/** BigInteger.toByteArray: big-endian, the fewest bytes that keep the sign. */
function twosComplement(n: bigint): Buffer {
  let hex = (n < 0n ? -n - 1n : n).toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  if (n < 0n) for (let i = 0; i < bytes.length; i++) bytes[i] = ~bytes[i] & 0xff;
  return bytes;
}
