import createApiClient from '@kafkajs/confluent-schema-registry/dist/api/index.js';

/** the library's middleware shape (mappersmith's), kept structural: mappersmith is its dependency, not ours */
type Middleware = NonNullable<Parameters<typeof createApiClient.default>[0]['middlewares']>[number];

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
  readonly #urls: readonly string[];
  #current = 0;

  constructor(options: RestRegistryOptions) {
    if (options.urls.length === 0) throw new Error('no schema registry URL');
    this.#urls = options.urls;
    const middlewares = [timeoutMiddleware(options.requestTimeoutMs)];
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
      const message = String(e.message ?? error).replace(/^tributary - /, '');
      // mappersmith reports a request that got no answer (refused, reset, timed out) as status
      // 400 with the network error as its text, which the library's error keeps as
      // "Error, status 400: <text>"; a registry's own 400 carries its JSON message instead
      const noAnswer = typeof e.status !== 'number' || (e.status === 400 && message.startsWith('Error, status 400: '));
      if (noAnswer) {
        // the next request goes to the next URL, as Confluent's RestService fails over
        this.#current = (this.#current + 1) % this.#apis.length;
        throw new RegistryError(`no answer from the schema registry at ${this.#urls[this.#current === 0 ? this.#apis.length - 1 : this.#current - 1]}: ${message.replace(/^Error, status 400: /, '')}`, NO_ANSWER);
      }
      throw new RegistryError(message, e.status!);
    }
  }
}

function assertAvro(data: Record<string, unknown>): void {
  const type = data.schemaType;
  if (type !== undefined && type !== null && String(type).toUpperCase() !== 'AVRO') throw new RegistryError(`the registry's schema is of type ${String(type)}, not AVRO`, 422);
}

/** Each request times out after `ms` (mappersmith's per-request timeout). */
function timeoutMiddleware(ms: number): Middleware {
  return () => ({ prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })) });
}
