import { createServer, type Server, type Socket } from 'node:net';
import { encodeLogMessage, type LogField, type LogMessage } from '../logproxy/log-message.js';
import {
  decodeHandshakeRequestBody, encodeErrorResponse, encodeHandshakeResponse, encodeRecordData, encodeRuntimeStatus, HeaderType, MAGIC,
  parseConfigurationString, passwordHash, PROTOCOL_V2, type HandshakeRequest,
} from '../logproxy/log-proxy-protocol.js';

export interface FakeRow {
  readonly op: 'INSERT' | 'UPDATE' | 'DELETE';
  readonly table: string;
  readonly before?: readonly (string | null)[];
  readonly after?: readonly (string | null)[];
}

export interface FakeTransaction {
  readonly ts: number;
  readonly id: string;
  readonly rows: readonly FakeRow[];
}

export interface FakeLogProxyOptions {
  readonly user: string;
  readonly password: string;
  readonly tenant: string;
  readonly schema: string;
  /** the fields of each table, in column order */
  readonly tables: Readonly<Record<string, readonly LogField[]>>;
  /** heartbeat period; 0: none */
  readonly heartbeatMs?: number;
}

/**
 * An in-process Log Proxy (CDC mode) for tests: checks the handshake (magic, version, packet
 * type, the configuration string's user and SHA-1 password hash), answers it, then replays every
 * committed transaction from the requested `first_start_timestamp` and streams new ones as
 * LZ4-compressed batches of LogMessages built by our encoder, with heartbeats in between.
 * Tests drop connections, silence it (no heartbeats) or make it refuse.
 */
export class FakeLogProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly transactions: FakeTransaction[] = [];
  readonly handshakes: { request: HandshakeRequest; config: Map<string, string> }[] = [];
  /** no heartbeats while set (an idle connection) */
  silent = false;
  /** answer every handshake with this error */
  refuse: { code: number; message: string } | null = null;
  #nextId = 1n;
  #heartbeat: NodeJS.Timeout | undefined;
  #checkpoint = 0;

  private constructor(readonly options: FakeLogProxyOptions) {
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async start(options: FakeLogProxyOptions): Promise<FakeLogProxy> {
    const fake = new FakeLogProxy(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    if ((options.heartbeatMs ?? 0) > 0) fake.#heartbeat = setInterval(() => fake.#beat(), options.heartbeatMs);
    return fake;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** commits a transaction: stored for replays and sent to every open stream */
  commit(tx: FakeTransaction): void {
    this.transactions.push(tx);
    this.#checkpoint = Math.max(this.#checkpoint, tx.ts);
    for (const s of this.#sockets) this.#send(s, [tx]);
  }

  /** drops every open connection (as a Log Proxy restart would) */
  dropAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #beat(): void {
    if (this.silent) return;
    this.#checkpoint = Math.max(this.#checkpoint, Math.floor(Date.now() / 1000));
    const hb = encodeLogMessage(this.#message('HEARTBEAT', this.#checkpoint, null, null));
    for (const s of this.#sockets) s.write(encodeRecordData(hb, 1));
  }

  #accept(socket: Socket): void {
    let buffer = Buffer.alloc(0);
    let done = false;
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 14) return;
      if (!buffer.subarray(0, 7).equals(MAGIC) || buffer.readUInt16BE(7) !== PROTOCOL_V2 || buffer.readInt8(9) !== HeaderType.HANDSHAKE_REQUEST_CLIENT) {
        done = true;
        socket.end(encodeErrorResponse(1, 'bad magic, version or packet type'));
        return;
      }
      const length = buffer.readUInt32BE(10);
      if (buffer.length < 14 + length) return;
      done = true;
      const request = decodeHandshakeRequestBody(buffer.subarray(14, 14 + length));
      const config = parseConfigurationString(request.configuration);
      this.handshakes.push({ request, config });
      if (this.refuse) return void socket.end(encodeErrorResponse(this.refuse.code, this.refuse.message));
      if (config.get('cluster_user') !== this.options.user || config.get('cluster_password') !== passwordHash(this.options.password)) {
        return void socket.end(encodeErrorResponse(2, 'auth failed: user or password hash does not match'));
      }
      socket.write(encodeHandshakeResponse(0, '127.0.0.1', '2.0.2-fake'));
      socket.write(encodeRuntimeStatus('127.0.0.1', this.port));
      this.#sockets.add(socket);
      const from = Number(config.get('first_start_timestamp') ?? '0');
      this.#send(socket, from === 0 ? [] : this.transactions.filter((t) => t.ts >= from));
    });
  }

  #send(socket: Socket, txs: readonly FakeTransaction[]): void {
    for (const tx of txs) {
      const messages = [this.#message('BEGIN', tx.ts, tx.id, null), ...tx.rows.map((r) => this.#message(r.op, tx.ts, tx.id, r)), this.#message('COMMIT', tx.ts, tx.id, null)];
      const bytes = Buffer.concat(messages.map(encodeLogMessage));
      socket.write(encodeRecordData(bytes, messages.length));
    }
  }

  #message(op: LogMessage['op'], ts: number, txId: string | null, row: FakeRow | null): LogMessage {
    const fields = row ? this.options.tables[row.table] : [];
    return {
      op, id: this.#nextId++, timestamp: ts, checkpoint: op === 'HEARTBEAT' ? ts : ts - 1, transactionId: txId,
      dbName: row ? `${this.options.tenant}.${this.options.schema}` : null, tableName: row?.table ?? null, fields,
      before: row?.before ?? null, after: row?.after ?? null, encoding: 'UTF-8',
    };
  }
}
