import pg from 'pg';
import { Lsn } from './lsn.js';
import { clientConfig, quoteIdent, quoteLiteral, type ConnectionSettings } from './pg-connection.js';

/**
 * One walsender connection speaking the streaming replication protocol over `pg`.
 *
 * Written on `pg` directly rather than through pg-logical-replication because the task needs
 * what that library does not give: tuple values as the server's text (its parser converts them
 * through pg-types and loses timestamp microseconds), standby status updates that report exactly
 * the committed LSN (its `acknowledge` reports LSN + 1, and its timer would report the last
 * *received* LSN), and pausing the socket for backpressure.
 */
export interface StreamHandlers {
  /** the server accepted START_REPLICATION (CopyBothResponse): the stream is open */
  started?(): void;
  /** XLogData: `payload` from `offset` is the pgoutput message, valid only during the call */
  data(walStart: Lsn, payload: Buffer, offset: number): void;
  keepalive(walEnd: Lsn, replyRequested: boolean): void;
}

/** PostgreSQL timestamps count microseconds from 2000-01-01. */
const PG_EPOCH_MS = 946_684_800_000;

export class ReplicationConnection {
  #client: pg.Client | null = null;
  #connection: { stream: { pause(): void; resume(): void; destroy(): void }; sendCopyFromChunk(b: Buffer): void; on(e: string, f: (m: { chunk: Buffer }) => void): void } | null = null;
  #ended = false;

  constructor(private readonly settings: ConnectionSettings, private readonly applicationName: string) {}

  async connect(): Promise<void> {
    const client = new pg.Client({ ...clientConfig(this.settings, this.applicationName), replication: 'database' } as pg.ClientConfig);
    client.on('error', () => undefined);
    // known before connecting, so that a close() racing the connect still ends it
    this.#client = client;
    this.#connection = (client as unknown as { connection: NonNullable<ReplicationConnection['connection']> }).connection;
    await client.connect();
    if (this.#ended) {
      await client.end().catch(() => undefined);
      throw new Error('replication connection closed while connecting');
    }
  }

  private get connection() {
    return this.#connection;
  }

  /** Runs a replication command (CREATE_REPLICATION_SLOT, IDENTIFY_SYSTEM) and returns its rows. */
  async command<T = Record<string, string>>(sql: string): Promise<T[]> {
    return (await this.#client!.query(sql)).rows as T[];
  }

  /**
   * Starts streaming from `start`; resolves when the stream ends and rejects with the server's
   * error (slot missing, publication dropped, connection lost).
   */
  stream(slot: string, publication: string, start: Lsn, handlers: StreamHandlers, options: { messages?: boolean } = {}): Promise<void> {
    const connection = this.#connection!;
    if (handlers.started) connection.on('replicationStart', () => handlers.started!());
    connection.on('copyData', ({ chunk }) => {
      const tag = chunk[0];
      // the payload is a view of pg's read buffer, reused after this call: decode it now or copy it
      if (tag === 0x77 /* w: XLogData */) handlers.data(Lsn.readBigEndian(chunk, 1), chunk, 25);
      else if (tag === 0x6b /* k: keepalive */) handlers.keepalive(Lsn.readBigEndian(chunk, 1), chunk[17] === 1);
    });
    // messages (PostgreSQL 14+): logical decoding messages, which carry incremental snapshots' watermarks and REST signals
    const sql = `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${start.toString()} (proto_version '1', publication_names ${quoteLiteral(quoteIdent(publication))}${options.messages ? ", messages 'true'" : ''})`;
    return this.#client!.query(sql).then(() => undefined, (error: unknown) => {
      if (this.#ended) return;
      throw error;
    });
  }

  /**
   * A standby status update reporting `flushed` as written, flushed and applied. For a logical
   * slot the flush position becomes `confirmed_flush_lsn`: the server may release WAL before it.
   */
  sendStatus(flushed: Lsn, requestReply = false): void {
    if (!this.#connection || this.#ended) return;
    const message = Buffer.alloc(34);
    message[0] = 0x72; // 'r'
    message.writeBigUInt64BE(flushed.value, 1);
    message.writeBigUInt64BE(flushed.value, 9);
    message.writeBigUInt64BE(flushed.value, 17);
    message.writeBigInt64BE(BigInt(Date.now() - PG_EPOCH_MS) * 1000n, 25);
    message[33] = requestReply ? 1 : 0;
    this.#connection.sendCopyFromChunk(message);
  }

  pause(): void {
    this.#connection?.stream.pause();
  }

  resume(): void {
    this.#connection?.stream.resume();
  }

  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const client = this.#client;
    if (!client) return;
    this.#connection?.stream.resume();
    // end() waits for the server to close; a walsender busy sending may not answer promptly
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    this.#connection?.stream.destroy();
  }
}
