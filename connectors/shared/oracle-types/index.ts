/**
 * Oracle's column types as Debezium maps them, shared by the sources that read Oracle-typed
 * data: the Oracle (LogMiner) source and the OceanBase source in Oracle mode. It sits beside the
 * connectors rather than in either of them so that neither source imports the other, and it
 * depends on plugins/api only.
 */
export { columnMapping, isUncapturedType, snapshotExpression, type ColumnMapping, type MappingOptions, type OracleColumn } from './column-types.js';
export { formatDecimal, parseDecimal, twosComplementBytes, type ExactDecimal } from './oracle-decimal.js';
export { dayToSecondMicros, parseTimestamp, wallClockMicros, wallClockMillis, wallClockNanos, yearToMonthMicros, zonedText, type LocalDateTime } from './oracle-temporal.js';
