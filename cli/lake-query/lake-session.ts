import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TributaryError } from '../../plugins/api/index.js';
import { readCatalog, type LakeCatalog, type LakeTopic } from './lake-catalog.js';
import { changesQuery, currentStateQuery } from './state-query.js';
import { quoteIdent } from './sql-text.js';

/** What a query printed: column names and JSON-safe rows (bigints and decimals as text). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Names DuckDB keeps for itself: a topic prefix like these gets a single quoted view name instead. */
const RESERVED_CATALOGS = new Set(['memory', 'system', 'temp', 'main']);

/**
 * DuckDB over a lake on local disk, with one view per topic named after it: `prefix.schema.table`
 * for Debezium's three-part topic names (an attached in-memory catalog per prefix, a schema per
 * database schema), `schema.table` or `table` for shorter names, and the whole topic quoted
 * (`"a.b.c.d"`) otherwise. A view is the table's current state, or its change rows as they
 * landed when `changes` is set.
 */
export class LakeSession {
  readonly catalog: LakeCatalog;
  /** per topic, what its current-state view cannot know (printed when a query names the topic) */
  readonly notes = new Map<string, string>();
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #changes: boolean;
  #reserved = new Set<string>();

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, catalog: LakeCatalog, changes: boolean) {
    this.#instance = instance;
    this.#connection = connection;
    this.catalog = catalog;
    this.#changes = changes;
  }

  static async open(root: string, topicsDir: string, options: { changes?: boolean } = {}): Promise<LakeSession> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    const session = new LakeSession(instance, connection, await readCatalog(connection, root, topicsDir), options.changes ?? false);
    const keywords = await connection.runAndReadAll("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'");
    session.#reserved = new Set(keywords.getRowsJson().map((r) => String(r[0])));
    for (const topic of session.catalog.topics) await session.#register(topic);
    return session;
  }

  /** The SQL name of a topic's view. */
  static viewName(topic: string): string {
    const parts = topic.split('.');
    const plain = parts.length <= 3 && parts.every((p) => p.length > 0) && !(parts.length === 3 && RESERVED_CATALOGS.has(parts[0].toLowerCase()));
    return plain ? parts.map(quoteIdent).join('.') : quoteIdent(topic);
  }

  /** `LakeSession.viewName`, for callers that hold a session and not the class */
  viewNameOf(topic: string): string {
    return LakeSession.viewName(topic);
  }

  /** The view name as a person types it: parts quoted only where SQL needs it. */
  displayName(topic: string): string {
    const name = LakeSession.viewName(topic);
    if (name === quoteIdent(topic) && topic.includes('.')) return name;
    return topic.split('.').map((p) => (/^[a-z_][a-z0-9_]*$/.test(p) && !this.#reserved.has(p) ? p : quoteIdent(p))).join('.');
  }

  topic(name: string): LakeTopic | undefined {
    return this.catalog.topics.find((t) => t.topic === name);
  }

  async #register(t: LakeTopic): Promise<void> {
    const name = LakeSession.viewName(t.topic);
    const parts = t.topic.split('.');
    if (name !== quoteIdent(t.topic)) {
      if (parts.length === 3) {
        await this.#connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdent(parts[0])}`);
        await this.#connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(parts[0])}.${quoteIdent(parts[1])}`);
      } else if (parts.length === 2) await this.#connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(parts[0])}`);
    }
    if (this.#changes) {
      await this.#connection.run(`CREATE VIEW ${name} AS ${changesQuery(t)}`);
      return;
    }
    const state = currentStateQuery(t);
    if (!state) {
      this.notes.set(t.topic, `${t.topic}: its files do not say which columns are its key (written by an older version, or a non-struct key), so its current state cannot be rebuilt; query its change rows with --changes.`);
      return;
    }
    await this.#connection.run(`CREATE VIEW ${name} AS ${state.sql}`);
    if (state.uncertainty) {
      const count = Number((await this.#connection.runAndReadAll(state.uncertainty.countSql)).getRowsJson()[0]?.[0] ?? 0);
      if (count > 0) this.notes.set(t.topic, state.uncertainty.caveat(count));
    }
  }

  async query(sql: string): Promise<QueryResult> {
    try {
      const reader = await this.#connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJson() };
    } catch (error) {
      throw new TributaryError('config.invalid', `DuckDB: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}
