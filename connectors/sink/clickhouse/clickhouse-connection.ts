import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseSinkConfig } from './clickhouse-sink-config.js';
import { quoteName } from './clickhouse-types.js';
import { featuresOf, type ServerFeatures } from './server-features.js';
import { qualified } from './table-ddl.js';

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  /** DEFAULT, MATERIALIZED, ALIAS or '' */
  readonly defaultKind: string;
}

/** The calls the sink makes, over `@clickhouse/client` (HTTP). */
export interface ClickHouseConnection {
  readonly features: ServerFeatures;
  /** the table's columns, or null when it does not exist */
  describe(database: string, table: string): Promise<ColumnInfo[] | null>;
  command(sql: string): Promise<void>;
  /** one INSERT of RowBinary rows; resolves when ClickHouse acknowledged it */
  insertRowBinary(database: string, table: string, columns: readonly string[], body: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** Single-quoted string literal (18.16 has no query parameters). */
export function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function connect(config: ClickHouseSinkConfig): Promise<ClickHouseConnection> {
  const client = createClient({
    url: `${config.ssl ? 'https' : 'http'}://${config.hostname}:${config.port}`,
    username: config.username,
    password: config.password,
    request_timeout: config.timeoutSeconds * 1000,
    // bodies are compressed here, at gzip level 1 in libuv's pool (see insertRowBinary)
    compression: { request: false, response: false },
    // every table may have max.in.flight.inserts inserts in flight, besides DDL and describes
    max_open_connections: Math.max(4, 2 * config['max.in.flight.inserts']),
    // the sink reports failures itself, with the record they concern
    log: { level: ClickHouseLogLevel.OFF },
  });
  let version: string;
  try {
    const rs = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    version = (await rs.json<{ v: string }>())[0].v;
  } catch (error) {
    await client.close();
    throw error;
  }
  return new HttpConnection(client, featuresOf(version), config.compression);
}

const gzipAsync = promisify(gzip);

class HttpConnection implements ClickHouseConnection {
  constructor(readonly client: ClickHouseClient, readonly features: ServerFeatures, readonly compress: boolean) {}

  async describe(database: string, table: string): Promise<ColumnInfo[] | null> {
    const rs = await this.client.query({
      query: `SELECT name, type, default_kind AS defaultKind FROM system.columns WHERE database = ${literal(database)} AND table = ${literal(table)}`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<ColumnInfo>();
    return rows.length === 0 ? null : rows;
  }

  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql });
  }

  async insertRowBinary(database: string, table: string, columns: readonly string[], body: Buffer): Promise<void> {
    // The client's own request compression gzips at the default level on the main thread, which
    // halved the sink's rows/s (bench/clickhouse-sink.ts); level 1 in the thread pool runs beside
    // the encoding and still shrinks RowBinary several times.
    const payload = this.compress ? await gzipAsync(body, { level: 1 }) : body;
    const result = await this.client.exec({
      query: `INSERT INTO ${qualified(database, table)} (${columns.map(quoteName).join(', ')}) FORMAT RowBinary`,
      values: Readable.from([payload]),
      ...(this.compress ? { http_headers: { 'Content-Encoding': 'gzip' } } : {}),
    });
    // the response body is empty; reading it to its end returns the socket to the pool
    for await (const chunk of result.stream) void chunk;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
