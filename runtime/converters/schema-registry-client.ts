import createApiClient from '@kafkajs/confluent-schema-registry/dist/api/index.js';

/** the library's middleware shape (mappersmith's), kept structural: mappersmith is its dependency, not ours */
type Middleware = NonNullable<Parameters<typeof createApiClient.default>[0]['middlewares']>[number];
interface RawResponse {
  errors?: unknown[];
  data?: () => unknown;
  enhance?: (extras: object) => unknown;
}

/**
 * The Schema Registry calls the Avro converter makes, over Confluent's REST API (which Apicurio
 * Registry serves under /apis/ccompat/v7). An interface, so unit tests inject their own.
 *
 * Errors are {@link RegistryError}s: `status` is the HTTP status, or 599 when the registry could
 * not be reached at all (connection refused, timeout), so a caller tells an outage (retry) from an
 * answer (do not).
 */
export interface SchemaRegistryClient {
  /** POST /subjects/{subject}/versions: the id of the schema, registered under the subject if new. */
  register(subject: string, schema: string): Promise<number>;
  /** POST /subjects/{subject}: the id and version of a schema already registered under the subject. */
  lookup(subject: string, schema: string): Promise<{ id: number; version: number }>;
  /** GET /subjects/{subject}/versions/latest */
  latest(subject: string): Promise<{ id: number; version: number; schema: string }>;
  /** GET /schemas/ids/{id}: the schema text (Avro schemas only). */
  schemaById(id: number): Promise<string>;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** the registry's own error code (Confluent's `error_code`, e.g. 40401 subject not found) */
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  /** the registry could not be reached, or answered that it is unwell: a retry may succeed */
  get retriable(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The status a request that got no answer is given (nginx's "network connect timeout"). */
export const NO_ANSWER = 599;

export interface RestRegistryOptions {
  readonly urls: readonly string[];
  readonly auth?: { username: string; password: string };
  /** how long one request may take before it counts as unanswered */
  readonly requestTimeoutMs: number;
}

type Api = ReturnType<typeof createApiClient.default>;

/**
 * The REST client of @kafkajs/confluent-schema-registry (its mappersmith manifest: Confluent's
 * content type, its error shape, basic auth), one per URL of `schema.registry.url`; a request
 * that gets no answer moves on to the next URL, as Confluent's RestService fails over. The
 * library's `SchemaRegistry` class is not used for writes: its `register` insists the subject's
 * compatibility level is the one it was given and sets the level on a subject's first schema,
 * which Confluent's serializer never does; and its `getSchema` parses the schema without the
 * `connect.*` properties AvroData reads back.
 */
export class RestSchemaRegistryClient implements SchemaRegistryClient {
  readonly #apis: Api[];
  #current = 0;

  constructor(options: RestRegistryOptions) {
    if (options.urls.length === 0) throw new Error('no schema registry URL');
    const middlewares = [timeoutMiddleware(options.requestTimeoutMs), noAnswerMiddleware];
    // retries are the converter's (exponential backoff over every URL), not the library's
    this.#apis = options.urls.map((host) => createApiClient.default({ host: host.replace(/\/+$/, ''), clientId: 'tributary', retry: { retries: 0 }, middlewares, ...(options.auth ? { auth: options.auth } : {}) }));
  }

  async register(subject: string, schema: string): Promise<number> {
    const data = await this.#call((api) => api.Subject.register({ subject, body: { schema } }));
    return Number(data.id);
  }

  async lookup(subject: string, schema: string): Promise<{ id: number; version: number }> {
    const data = await this.#call((api) => api.Subject.registered({ subject, body: { schema } }));
    return { id: Number(data.id), version: Number(data.version) };
  }

  async latest(subject: string): Promise<{ id: number; version: number; schema: string }> {
    const data = await this.#call((api) => api.Subject.latestVersion({ subject }));
    assertAvro(data);
    return { id: Number(data.id), version: Number(data.version), schema: String(data.schema) };
  }

  async schemaById(id: number): Promise<string> {
    const data = await this.#call((api) => api.Schema.find({ id }));
    assertAvro(data);
    return String(data.schema);
  }

  async #call(request: (api: Api) => Promise<{ data(): unknown }>): Promise<Record<string, unknown>> {
    const api = this.#apis[this.#current];
    try {
      const response = await request(api);
      return (response.data() ?? {}) as Record<string, unknown>;
    } catch (error) {
      const e = error as { status?: number; message?: string };
      const status = typeof e.status === 'number' ? e.status : NO_ANSWER;
      // the next request goes to the next URL
      if (status === NO_ANSWER) this.#current = (this.#current + 1) % this.#apis.length;
      const message = String(e.message ?? error).replace(/^tributary - /, '');
      throw new RegistryError(message, status, errorCodeOf(message));
    }
  }
}

function assertAvro(data: Record<string, unknown>): void {
  const type = data.schemaType;
  if (type !== undefined && type !== null && String(type).toUpperCase() !== 'AVRO') throw new RegistryError(`the registry's schema is of type ${String(type)}, not AVRO`, 422);
}

function errorCodeOf(message: string): number | undefined {
  const m = /\(error code (\d+)\)$/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Each request times out after `ms` (mappersmith's per-request timeout). */
function timeoutMiddleware(ms: number): Middleware {
  return () => ({ prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })) });
}

/**
 * Runs closest to the transport, before the library's error middleware turns responses into
 * errors. mappersmith reports a request that got no answer (refused, reset, timed out) as a
 * response of status 400, which looks like the registry refusing it: it gets NO_ANSWER instead,
 * with the network error's text. An answer's Confluent `error_code` is kept in the message (the
 * library's error keeps only the message).
 */
const noAnswerMiddleware: Middleware = () => ({
  response: (next) =>
    next().catch((response: RawResponse) => {
      if (typeof response?.enhance !== 'function') throw response;
      const networkError = response.errors?.find((e) => e instanceof Error) as Error | undefined;
      if (networkError !== undefined) throw response.enhance({ status: NO_ANSWER, rawData: JSON.stringify({ message: `no answer from the schema registry: ${networkError.message}` }) });
      let data: unknown;
      try {
        data = response.data?.();
      } catch {
        throw response;
      }
      const body = data as { message?: unknown; error_code?: unknown } | null;
      if (body && typeof body === 'object' && typeof body.message === 'string' && typeof body.error_code === 'number') {
        throw response.enhance({ rawData: JSON.stringify({ message: `${body.message} (error code ${body.error_code})` }) });
      }
      throw response;
    }),
});
