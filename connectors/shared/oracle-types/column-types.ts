import { LogicalName, Schemas, type Schema } from '../../../plugins/api/index.js';
import { formatDecimal, parseDecimal, twosComplementBytes } from './oracle-decimal.js';
import { dayToSecondMicros, parseTimestamp, wallClockMicros, wallClockMillis, wallClockNanos, yearToMonthMicros, zonedText } from './oracle-temporal.js';

/** A column as ALL_TAB_COLUMNS describes it. */
export interface OracleColumn {
  readonly name: string;
  /** DATA_TYPE: `NUMBER`, `VARCHAR2`, `TIMESTAMP(6) WITH TIME ZONE`, ... */
  readonly dataType: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly nullable: boolean;
}

/** What one column becomes in a record: its schema and the conversion of its text (never null). */
export interface ColumnMapping {
  readonly schema: Schema;
  readonly fromText: (text: string) => unknown;
}

/**
 * The two Debezium properties the mapping depends on; the Oracle and OceanBase (Oracle mode)
 * sources both declare them with these values, so the type is spelled out here rather than taken
 * from either connector's spec (neither source imports the other).
 */
export interface MappingOptions {
  readonly 'decimal.handling.mode': 'precise' | 'string' | 'double';
  readonly 'time.precision.mode': 'adaptive' | 'connect';
}

/** Column types this source does not capture (lob.enabled=false, as Debezium's default). */
const UNCAPTURED = /^(CLOB|NCLOB|BLOB|BFILE|XMLTYPE|LONG|LONG RAW|SDO_GEOMETRY|JSON|VECTOR)$/;

export function isUncapturedType(dataType: string): boolean {
  return UNCAPTURED.test(dataType.toUpperCase());
}

const VARIABLE_SCALE_DECIMAL = (optional: boolean) =>
  Schemas.struct([Schemas.field('scale', Schemas.int32()), Schemas.field('value', Schemas.bytes())], { optional, name: 'io.debezium.data.VariableScaleDecimal', version: 1, doc: 'Variable scaled decimal' });
const timestampSchema = (name: string, optional: boolean) => Schemas.int64({ optional, name, version: 1 });
const MICRO_DURATION = 'io.debezium.time.MicroDuration';

/**
 * Debezium's Oracle type mapping (OracleValueConverters), for the modes of
 * `decimal.handling.mode` and `time.precision.mode`. Throws for a type it does not map (the
 * caller names the table and column).
 */
export function columnMapping(column: OracleColumn, options: MappingOptions): ColumnMapping {
  const optional = column.nullable;
  const type = column.dataType.toUpperCase().replace(/\(\d+\)/g, '');
  const decimalMode = options['decimal.handling.mode'];
  switch (type) {
    case 'CHAR': case 'VARCHAR2': case 'VARCHAR': case 'NCHAR': case 'NVARCHAR2': case 'ROWID': case 'UROWID':
      return { schema: Schemas.string({ optional }), fromText: (t) => t };
    case 'NUMBER':
      return numberMapping(column.precision, column.scale, optional, decimalMode);
    case 'FLOAT':
      // FLOAT(b) is a NUMBER with binary precision and no fixed scale
      return numberMapping(null, null, optional, decimalMode);
    case 'BINARY_FLOAT':
      return { schema: Schemas.float32({ optional }), fromText: binaryFloat };
    case 'BINARY_DOUBLE':
      return { schema: Schemas.float64({ optional }), fromText: binaryFloat };
    case 'RAW':
      return { schema: Schemas.bytes({ optional }), fromText: (t) => Buffer.from(t, 'hex') };
    case 'DATE':
      return options['time.precision.mode'] === 'connect'
        ? { schema: timestampSchema(LogicalName.ConnectTimestamp, optional), fromText: (t) => wallClockMillis(parseTimestamp(t)) }
        : { schema: timestampSchema('io.debezium.time.Timestamp', optional), fromText: (t) => wallClockMillis(parseTimestamp(t)) };
    case 'TIMESTAMP': {
      const p = timestampPrecision(column);
      if (options['time.precision.mode'] === 'connect') return { schema: timestampSchema(LogicalName.ConnectTimestamp, optional), fromText: (t) => wallClockMillis(parseTimestamp(t)) };
      if (p <= 3) return { schema: timestampSchema('io.debezium.time.Timestamp', optional), fromText: (t) => wallClockMillis(parseTimestamp(t)) };
      if (p <= 6) return { schema: timestampSchema(LogicalName.MicroTimestamp, optional), fromText: (t) => wallClockMicros(parseTimestamp(t)) };
      return { schema: timestampSchema('io.debezium.time.NanoTimestamp', optional), fromText: (t) => wallClockNanos(parseTimestamp(t)) };
    }
    case 'TIMESTAMP WITH TIME ZONE':
      return { schema: Schemas.zonedTimestamp({ optional, version: 1 }), fromText: (t) => zonedText(parseTimestamp(t)) };
    case 'TIMESTAMP WITH LOCAL TIME ZONE':
      // the session's TIME_ZONE is UTC (nls-session.ts): the text is already the UTC instant
      return { schema: Schemas.zonedTimestamp({ optional, version: 1 }), fromText: (t) => zonedText(parseTimestamp(t), true) };
    case 'INTERVAL YEAR TO MONTH':
      return { schema: Schemas.int64({ optional, name: MICRO_DURATION, version: 1 }), fromText: yearToMonthMicros };
    case 'INTERVAL DAY TO SECOND':
      return { schema: Schemas.int64({ optional, name: MICRO_DURATION, version: 1 }), fromText: dayToSecondMicros };
    default:
      throw new RangeError(`column type ${column.dataType} is not supported`);
  }
}

function timestampPrecision(column: OracleColumn): number {
  const m = /\((\d)\)/.exec(column.dataType);
  return m ? Number(m[1]) : (column.scale ?? 6);
}

function binaryFloat(text: string): number {
  const t = text.trim();
  if (/^\+?inf/i.test(t)) return Infinity;
  if (/^-inf/i.test(t)) return -Infinity;
  if (/^nan$/i.test(t)) return NaN;
  return Number(t);
}

function numberMapping(precision: number | null, scale: number | null, optional: boolean, mode: MappingOptions['decimal.handling.mode']): ColumnMapping {
  if (mode === 'string') return { schema: Schemas.string({ optional }), fromText: (t) => formatDecimal(parseDecimal(t)) };
  if (mode === 'double') return { schema: Schemas.float64({ optional }), fromText: (t) => Number(t) };
  if (scale === null) {
    // NUMBER without precision and scale: any scale, so Debezium's VariableScaleDecimal
    return {
      schema: VARIABLE_SCALE_DECIMAL(optional),
      fromText: (t) => {
        const d = parseDecimal(t);
        return { scale: d.scale, value: twosComplementBytes(d.unscaled) };
      },
    };
  }
  if (scale <= 0) {
    // INTEGER is NUMBER(*,0): no precision, 38 digits
    const width = (precision ?? 38) - scale;
    if (width < 3) return { schema: Schemas.int8({ optional }), fromText: (t) => Number(t) };
    if (width < 5) return { schema: Schemas.int16({ optional }), fromText: (t) => Number(t) };
    if (width < 10) return { schema: Schemas.int32({ optional }), fromText: (t) => Number(t) };
    if (width < 19) return { schema: Schemas.int64({ optional }), fromText: int64 };
    return { schema: Schemas.decimal(precision ?? 38, 0, { optional }), fromText: (t) => decimalText(t, 0) };
  }
  return { schema: Schemas.decimal(precision ?? 38, scale, { optional }), fromText: (t) => decimalText(t, scale) };
}

const PLAIN_DECIMAL = /^-?\d*(\.\d*)?$/;

/**
 * A NUMBER's text with exactly `scale` fraction digits. Oracle's plain forms ('12.5', '-.05',
 * '7') are padded as text (the hot path: no BigInt); exponents and over-long fractions go through
 * the exact arithmetic.
 */
function decimalText(text: string, scale: number): string {
  if (!PLAIN_DECIMAL.test(text)) return formatDecimal(parseDecimal(text), scale);
  const dot = text.indexOf('.');
  const fraction = dot < 0 ? '' : text.slice(dot + 1);
  if (fraction.length > scale) return formatDecimal(parseDecimal(text), scale);
  const negative = text.charCodeAt(0) === 45;
  let whole = dot < 0 ? text.slice(negative ? 1 : 0) : text.slice(negative ? 1 : 0, dot);
  if (whole.length === 0) whole = '0';
  else if (whole.length > 1 && whole.charCodeAt(0) === 48) whole = whole.replace(/^0+(?=\d)/, '');
  const body = scale === 0 ? whole : `${whole}.${fraction.padEnd(scale, '0')}`;
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

function int64(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(formatDecimal(parseDecimal(text), 0));
}

/**
 * The SQL expression the snapshot selects for a column so that it arrives as the same text
 * SQL_REDO holds (one converter serves both): numbers and dates through TO_CHAR in the session's
 * formats, RAW as hex.
 */
export function snapshotExpression(column: OracleColumn, quoted: string): string {
  const type = column.dataType.toUpperCase().replace(/\(\d+\)/g, '');
  switch (type) {
    case 'NUMBER': case 'FLOAT': return `TO_CHAR(${quoted}, 'TM9')`;
    case 'BINARY_FLOAT': case 'BINARY_DOUBLE': return `TO_CHAR(${quoted})`;
    case 'DATE': return `TO_CHAR(${quoted}, 'YYYY-MM-DD HH24:MI:SS')`;
    case 'TIMESTAMP': case 'TIMESTAMP WITH LOCAL TIME ZONE': return `TO_CHAR(${quoted}, 'YYYY-MM-DD HH24:MI:SS.FF9')`;
    case 'TIMESTAMP WITH TIME ZONE': return `TO_CHAR(${quoted}, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`;
    case 'INTERVAL YEAR TO MONTH': case 'INTERVAL DAY TO SECOND': return `TO_CHAR(${quoted})`;
    case 'RAW': return `RAWTOHEX(${quoted})`;
    default: return quoted;
  }
}
