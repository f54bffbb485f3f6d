import type { ChunkBounds } from './incremental-dialect.js';

/**
 * What the two sides of the chunk queue (chunk-queue-pool.ts hands ranges out, chunk-queue-reader.ts
 * reads them) agree on: the queue (BullMQ on Redis, `snapshot.queue.redis.url`), a job per key
 * range, the lease, and where a range's rows wait for the coordinator.
 */
export interface ChunkQueueSettings {
  /** `redis://[user:password@]host:port[/db]` (`rediss://` for TLS) */
  readonly url: string;
  /** the queue's name, one per connector (`chunkQueueName`) */
  readonly name: string;
  /**
   * `snapshot.queue.lease.ms`: how long a reader holds a range without renewing (BullMQ's job
   * lock, renewed at half of it while the reader lives); a range whose reader died is given to
   * another reader after at most about twice this
   */
  readonly leaseMs: number;
  /** rows per chunk: with `maxRowsPerSecond`, the queue's job rate */
  readonly chunkSize: number;
  /** `snapshot.max.rows.per.second` (0: no limit), enforced by the queue over all readers together */
  readonly maxRowsPerSecond: number;
}

/** A range handed to a reader: the table as the signal names it, what the coordinator read it as, and the keys. */
export interface ChunkJobData {
  readonly table: string;
  readonly shape: string;
  readonly bounds: ChunkBounds;
}

/** What a reader answers (the rows wait under `key`, out of BullMQ's event stream). */
export interface ChunkJobResult {
  readonly rows: number;
  /** the reader's name: host, process and task */
  readonly reader: string;
  /** the Redis key of the rows (`rowsKey`) */
  readonly key: string;
}

/** Redis key prefix of every queue (BullMQ's `prefix`). */
export const QUEUE_PREFIX = 'tributary';
/** attempts of a range before the window fails (the engine then retries the window, with backoff) */
export const CHUNK_ATTEMPTS = 5;
/** how long a range's rows stay in Redis when the coordinator never takes them (it died) */
export const ROWS_TTL_MS = 10 * 60_000;

/** One queue per connector: the chunks of its snapshots, and nothing else. */
export function chunkQueueName(connector: string): string {
  // BullMQ's names may not hold ':' (its key separator)
  return `chunks-${connector.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The job id of range `index` of `window`: the same range of the same window is one job, however often it is added. */
export function chunkJobId(window: string, index: number): string {
  return `${window}.${index}`;
}

/**
 * Where one attempt's rows of a range wait for the coordinator: named after the attempt's lock
 * token, so a reader that lost its lease and finishes late never overwrites the rows of the
 * attempt that completed (the coordinator reads the key the completed attempt names).
 */
export function rowsKey(queue: string, jobId: string, token: string): string {
  return `${QUEUE_PREFIX}:${queue}:rows:${jobId}:${token}`;
}

/** What a redis:// URL says: ioredis options, from which BullMQ makes its own connections too. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: Record<string, never>;
}

export function redisOptions(url: string): RedisAddress {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`not a redis:// URL: ${u.protocol}`);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The URL without its password, for logs and errors. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * BullMQ's rate limiter (jobs per period, shared by every reader through Redis) for a row rate:
 * one range of up to `chunkSize` rows per `chunkSize / rate` seconds. Undefined: no limit.
 */
export function queueLimiter(s: ChunkQueueSettings): { max: number; duration: number } | undefined {
  if (s.maxRowsPerSecond <= 0) return undefined;
  return { max: 1, duration: Math.max(1, Math.ceil((s.chunkSize * 1000) / s.maxRowsPerSecond)) };
}
