/**
 * The CDC toolkit: what database sources (PostgreSQL, MySQL/MariaDB, ...) share, built on the
 * plugin API alone (lint keeps it so): the bounded change queue, row builders, Debezium's table
 * filters and snapshot modes, the snapshot runner, change envelopes, heartbeats and position
 * encodings, Debezium's topic naming, incremental-snapshot windows and signals.
 */
export { ChangeQueue } from './change-queue.js';
export { compileRowBuilder, type BuiltColumn, type RowBuilder } from './row-builder.js';
export { invalidPatterns, TableFilter, type FilterLists } from './table-filter.js';
export { decideSnapshot, type SnapshotDecision, type SnapshotModeName, type StoredOffsetState } from './snapshot-mode.js';
export {
  SnapshotRunner, type Emit, type SnapshotBoundaryOffsets, type SnapshotReader, type SnapshotRunnerOptions, type SnapshotTable, type TableProgress,
} from './snapshot-runner.js';
export { ChangeEvents, changeEnvelopeSchema, envelope, keyChanged, nanosOf, transactionBlockSchema, type RecordMaker } from './change-events.js';
export { debeziumSourceFields, SNAPSHOT_MARKERS } from './source-fields.js';
export { HeartbeatSchedule, heartbeatRecord, type HeartbeatSettings } from './heartbeats.js';
export { hex32, hex64, int64Hex, int64TextHex, utf8Hex, VARIABLE_END, type Position } from './positions.js';
export { sanitizeTopicName, TopicNamer } from './topic-naming.js';
export { SnapshotWindow, keyText } from './snapshot-window.js';
export { InvalidSignal, parseSignal, SIGNAL_TYPES, type Signal } from './signals.js';
export type { BlockingSnapshotSignal } from './incremental-signal-actions.js';
export { BlockingSnapshotRequests, type BlockingScope } from './blocking-snapshot-requests.js';
export { IncrementalSnapshots, type IncrementalSnapshotsOptions } from './incremental-snapshots.js';
export type { ChunkBounds, ChunkCodec, ChunkRow, ChunkTable, IncrementalDialect } from './incremental-dialect.js';
export { IncrementalCounters, type IncrementalProgress } from './incremental-progress.js';
export { incrementalOffsetFields, incrementalStateOf, type IncrementalState, type KeyTexts, type Watermark } from './incremental-state.js';
export { sleep } from './abortable-sleep.js';
export { retryAtFixedInterval, type FixedIntervalHooks, type FixedIntervalPolicy } from './fixed-interval-retry.js';
export { localChunkPool, type ChunkPool, type RangeRows } from './chunk-pool.js';
export { chunkQueueName, type ChunkQueueSettings } from './chunk-queue.js';
export { ChunkQueuePool, type ChunkQueuePoolOptions } from './chunk-queue-pool.js';
export { ChunkQueueReader, type ChunkQueueReaderOptions } from './chunk-queue-reader.js';
export { checkChunkQueue, chunkQueueProperties, chunkQueueSettings, chunkQueueTaskConfigs, chunkReaderName, type ChunkQueueConfig } from './chunk-queue-config.js';
export { DegradedStatus } from './degraded-status.js';
