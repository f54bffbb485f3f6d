import { describeError, TributaryError, type ConnectRecord, type SourceRecord } from '../../plugins/api/index.js';

/** Kafka Connect's stage names (`ErrorHandlingMetrics`/`Stage`), as its dead-letter headers carry them. */
export type ErrorStage = 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER' | 'TRANSFORMATION' | 'TASK_PUT' | 'TASK_POLL';

export interface ErrorContext {
  connector: string;
  task: number;
  stage: ErrorStage;
  /** the transform alias or connector class that failed */
  executingClass: string;
  error: unknown;
  /** where the record came from */
  originalTopic: string;
  partition?: number;
  offset?: number;
  position: string;
}

/**
 * A dead-letter record in Kafka Connect's form: the original key and value (with their schemas)
 * on the dead-letter topic, and the error context in `__connect.errors.*` headers, plus
 * `__connect.errors.position` (the source position, so the failed change can be found in the log).
 */
export function deadLetterRecord(original: ConnectRecord & { position: string; id: string }, topic: string, context: ErrorContext, withHeaders: boolean, sourceLabel: string): SourceRecord {
  const error = context.error instanceof Error ? context.error : new Error(String(context.error));
  const headers: Record<string, string> = { ...(original.headers ?? {}) };
  if (withHeaders) {
    Object.assign(headers, {
      '__connect.errors.topic': context.originalTopic,
      '__connect.errors.partition': String(context.partition ?? 0),
      '__connect.errors.offset': String(context.offset ?? -1),
      '__connect.errors.position': context.position,
      '__connect.errors.connector.name': context.connector,
      '__connect.errors.task.id': String(context.task),
      '__connect.errors.stage': context.stage,
      '__connect.errors.class.name': context.executingClass,
      '__connect.errors.exception.class.name': error instanceof TributaryError ? `${error.name}(${error.code})` : error.name,
      '__connect.errors.exception.message': error.message,
      '__connect.errors.exception.stacktrace': describeError(error),
    });
  }
  return {
    topic,
    keySchema: original.keySchema,
    key: original.key,
    valueSchema: original.valueSchema,
    value: original.value,
    timestamp: original.timestamp,
    headers,
    sourcePartition: { deadletter: sourceLabel },
    sourceOffset: {},
    position: original.position,
    id: `dlq:${context.connector}:${original.id}`,
  };
}
