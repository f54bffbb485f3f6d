import { randomBytes } from 'node:crypto';
import { RestClient, connectorPath, type RestResponse } from '../rest-client.js';

/** What a contract suite's setup returns: a running REST server and how to stop it. */
export interface ContractTarget {
  baseUrl: string;
  close(): Promise<void>;
  /** sent with every request, e.g. an Authorization header for a secured worker */
  headers?: Record<string, string>;
  /** the server's rest.max.body.bytes when not the default 1 MiB */
  maxBodyBytes?: number;
}

/**
 * Shared state of one suite run. Connector names carry a random run id so the suite can run
 * against a worker that has other connectors, and every connector it creates is deleted after.
 */
export class ContractContext {
  readonly runId = randomBytes(4).toString('hex');
  readonly #created = new Set<string>();
  #api: RestClient | undefined;
  #maxBodyBytes = 1024 * 1024;

  attach(target: ContractTarget): void {
    this.#api = new RestClient(target.baseUrl, target.headers);
    this.#maxBodyBytes = target.maxBodyBytes ?? this.#maxBodyBytes;
  }

  get api(): RestClient {
    if (!this.#api) throw new Error('contract suite setup did not run');
    return this.#api;
  }

  get maxBodyBytes(): number {
    return this.#maxBodyBytes;
  }

  /** A connector name unique to this run; `track` it for cleanup once created. */
  name(label: string): string {
    const name = `contract-${label}-${this.runId}`;
    this.#created.add(name);
    return name;
  }

  track(name: string): void {
    this.#created.add(name);
  }

  /** the topic the suite's datagen sources write to */
  get topic(): string {
    return `contract.${this.runId}.data`;
  }

  /** A light datagen source: 10 rows a second into the suite's topic. */
  datagen(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { 'connector.class': 'datagen', topic: this.topic, 'rows.per.second': '10', 'tasks.max': '1', ...extra };
  }

  /**
   * A stdout sink that takes the datagen topic and drops every record (a Filter without a
   * predicate): in embedded mode a source whose topic no sink takes holds its offsets, and the
   * offsets cases need a source that commits.
   */
  datagenSink(): Record<string, unknown> {
    return { 'connector.class': 'stdout', topics: this.topic, 'tasks.max': '1', transforms: 'drop', 'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter' };
  }

  /** A stdout sink on a topic nothing writes to, so it prints nothing. */
  stdout(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { 'connector.class': 'stdout', topics: `contract.${this.runId}.silent`, 'tasks.max': '1', ...extra };
  }

  async create(name: string, config: Record<string, unknown>, initialState?: string): Promise<RestResponse> {
    this.track(name);
    return this.api.post('/connectors', { name, config, ...(initialState ? { initial_state: initialState } : {}) });
  }

  async cleanup(): Promise<void> {
    if (!this.#api) return;
    for (const name of this.#created) {
      await this.#api.delete(connectorPath(name)).catch(() => undefined);
    }
  }
}
