/**
 * Typed errors with stable codes. A code is a dotted string registered once below with its HTTP
 * status and a one-line description; the REST layer maps codes to responses in one place and
 * `docs/errors.md` is generated from this table, so a code means the same thing everywhere.
 */
export interface ErrorCodeInfo {
  readonly http: number;
  readonly retriable: boolean;
  readonly description: string;
}

export const ErrorCodes = {
  'config.invalid': { http: 400, retriable: false, description: 'A connector or worker configuration failed validation; every problem is listed.' },
  'config.provider_failed': { http: 400, retriable: false, description: 'A ${provider:...} reference could not be resolved (missing variable or file).' },
  'connector.not_found': { http: 404, retriable: false, description: 'No connector has that name on this cluster.' },
  'connector.exists': { http: 409, retriable: false, description: 'A connector with that name already exists; use PUT /connectors/{name}/config to change it.' },
  'connector.not_stopped': { http: 400, retriable: false, description: 'Offsets can be changed only while the connector is STOPPED (PUT /connectors/{name}/stop).' },
  'connector.rebalancing': { http: 503, retriable: true, description: 'The worker group is rebalancing (or its leader cannot be reached) and the request could not be completed within the REST request timeout; retry after the Retry-After seconds. 409 means a real conflict only.' },
  'task.not_found': { http: 404, retriable: false, description: 'The connector has no task with that id.' },
  'task.failed': { http: 500, retriable: false, description: 'A task failed; its status trace says why.' },
  'plugin.not_found': { http: 404, retriable: false, description: 'No connector plugin matches that class name or alias.' },
  'plugin.invalid': { http: 500, retriable: false, description: 'A plugin could not be loaded or does not implement the connector API.' },
  'plugin.duplicate': { http: 500, retriable: false, description: 'Two plugins claim the same name or alias.' },
  'offsets.corrupt': { http: 500, retriable: false, description: 'No generation of the offset file could be read.' },
  'offsets.invalid': { http: 400, retriable: false, description: 'An offsets request body is malformed or names an unknown partition shape.' },
  'record.conversion_failed': { http: 500, retriable: false, description: 'A record could not be converted or transformed.' },
  'errors.tolerance_exceeded': { http: 500, retriable: false, description: 'A record failed a stage (converter, transform, put) with errors.tolerance=none: the task stays FAILED at that record (a restart would meet it again); fix the data or the pipeline, or set errors.tolerance=all.' },
  'record.rejected': { http: 500, retriable: false, description: 'A sink rejected a record.' },
  'transform.invalid': { http: 400, retriable: false, description: 'A transform or predicate is misconfigured.' },
  'source.connection_lost': { http: 503, retriable: true, description: 'The source database connection dropped; it is re-established with backoff.' },
  'source.unavailable': { http: 503, retriable: true, description: 'The source database cannot be reached.' },
  'source.setup_required': { http: 400, retriable: false, description: 'The source database needs a setting or object changed before capture can run.' },
  'source.protocol_error': { http: 500, retriable: false, description: 'The source server sent bytes the connector cannot read (an unexpected packet, a record layout it does not know); the message says where. For OceanBase Log Proxy, set logproxy.record.raw.dir to keep the bytes for a bug report.' },
  'source.handoff_failed': { http: 503, retriable: false, description: 'A source task\'s records were refused by the bus or Kafka, and every retry of its hand-off retry policy (handoff.retry.attempts, handoff.retry.interval.ms) was refused too; the task fails with the last refusal as the cause.' },
  'source.position_lost': { http: 500, retriable: false, description: 'The source can no longer resume from the stored position (slot dropped, log purged).' },
  'sink.unavailable': { http: 503, retriable: true, description: 'The sink storage or database is unreachable or busy.' },
  'sink.write_failed': { http: 500, retriable: false, description: 'A sink write failed for a reason retrying will not fix.' },
  'sink.encoder_failed': { http: 500, retriable: false, description: 'The worker thread encoding a files sink task\'s files (Parquet, JSON, CSV) failed (an exception while encoding, or the thread died); the task fails with the thread\'s stack trace in its status and, once restarted, replays from the last committed offset. format.encoder.thread=false (the default) encodes on the task\'s own thread.' },
  'kafka.unavailable': { http: 503, retriable: true, description: 'The Kafka cluster cannot be reached or did not answer in time; check bootstrap.servers and the brokers.' },
  'schema.registry_unavailable': { http: 503, retriable: true, description: 'The Schema Registry (schema.registry.url) could not be reached, timed out or answered 5xx/429 after the converter\'s retries (max.retries, retries.wait.ms); the task restarts with backoff and resumes from its committed offset.' },
  'schema.registry_refused': { http: 500, retriable: false, description: 'The Schema Registry refused a request for a reason retrying will not fix (401/403 credentials, 404 subject or schema not registered with auto.register.schemas=false, 422 invalid schema); the message quotes its answer.' },
  'schema.incompatible': { http: 409, retriable: false, description: 'A record\'s schema is incompatible with the versions registered under its subject (the registry\'s compatibility level, BACKWARD by default); the message names the subject and quotes the registry. The task fails: change the schema compatibly or the subject\'s compatibility level.' },
  'kafka.topic_misconfigured': { http: 500, retriable: false, description: 'An internal topic exists with settings Tributary cannot use (cleanup.policy other than compact, wrong partition count); fix the topic or name another.' },
  'group.payload_invalid': { http: 500, retriable: false, description: 'A worker-group member sent metadata or an assignment that is not in Tributary\'s format (a client of another kind in the group, or an incompatible Tributary version); the member is left out of the assignment.' },
  'group.join_refused': { http: 500, retriable: false, description: 'The group coordinator refused this worker for good (another protocol in the group, a group.instance.id another live worker uses, a session timeout outside the broker\'s limits, or no access to the group); the message names the coordinator\'s error.' },
  'worker.config_invalid': { http: 500, retriable: false, description: 'The worker configuration is invalid; the worker does not start.' },
  'worker.stopping': { http: 503, retriable: true, description: 'The worker is shutting down.' },
  'task.stopped': { http: 409, retriable: false, description: 'The task was stopped (restarted, moved, or its worker fenced) while it still worked: nothing it completes afterwards is written or committed; its records replay in the next task.' },
  'worker.starting': { http: 503, retriable: true, description: 'The worker is still starting.' },
  'signal.invalid': { http: 400, retriable: false, description: 'A signal (POST /connectors/{name}/snapshots, or a row of the signal table) is malformed or asks for what the connector does not do (a blocking snapshot while an incremental snapshot runs, a table it does not capture).' },
  'signal.unsupported': { http: 409, retriable: false, description: 'The connector, or its source server, takes no signals (incremental snapshots need a source that has them, and PostgreSQL 14+ for REST signals).' },
  'rest.bad_request': { http: 400, retriable: false, description: 'The request body or parameters are malformed.' },
  'rest.unauthorized': { http: 401, retriable: false, description: 'The request lacks valid credentials.' },
  'rest.forbidden': { http: 403, retriable: false, description: 'The worker configuration turns this request off (for example topic.tracking.enable=false).' },
  'rest.not_found': { http: 404, retriable: false, description: 'No such REST resource.' },
  'rest.payload_too_large': { http: 413, retriable: false, description: 'The request body exceeds rest.max.body.bytes.' },
  'rest.method_not_allowed': { http: 405, retriable: false, description: 'The resource does not support that method.' },
  'internal': { http: 500, retriable: false, description: 'An unexpected error; the log has the stack trace.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ErrorCodes;

export interface TributaryErrorOptions {
  /** the property the problem is about, for config errors */
  configPath?: string;
  cause?: unknown;
  /** overrides the code's default */
  retriable?: boolean;
  /** further problems, e.g. every validation error of a config */
  details?: readonly string[];
}

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly configPath?: string;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TributaryError';
    this.code = code;
    this.retriable = options.retriable ?? ErrorCodes[code].retriable;
    this.configPath = options.configPath;
    this.details = options.details ?? [];
  }

  get httpStatus(): number {
    return ErrorCodes[this.code].http;
  }
}

/** A failure a retry may fix (connection lost, storage busy). */
export class RetriableError extends TributaryError {
  constructor(code: ErrorCode, message: string, options: Omit<TributaryErrorOptions, 'retriable'> = {}) {
    super(code, message, { ...options, retriable: true });
    this.name = 'RetriableError';
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof TributaryError && error.retriable;
}

/**
 * The trace of any thrown value, as a status `trace` and the log's `err` show it. A TributaryError
 * starts with its code (`source.connection_lost: PostgreSQL connection lost: ...`) so operators
 * can match on it; then come its details, its stack frames and its causes (a coded cause by its
 * code too). Other errors — a plugin's or a library's — keep their class name in front, as their
 * stack prints it.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const lines = [describeOne(error)];
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`Caused by: ${cause instanceof Error ? describeOne(cause) : String(cause)}`);
    cause = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  }
  return lines.join('\n');
}

function describeOne(error: Error): string {
  if (!(error instanceof TributaryError)) return error.stack ?? `${error.name}: ${error.message}`;
  const details = error.details.map((d) => `  - ${d}`);
  return [`${error.code}: ${error.message}`, ...details, ...stackFrames(error)].join('\n');
}

/** The `    at ...` lines of a stack, without its header (which repeats the possibly multi-line message). */
function stackFrames(error: Error): string[] {
  const lines = (error.stack ?? '').split('\n');
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  return first < 0 ? [] : lines.slice(first);
}
