import { appendFileSync, mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { RetriableError, TributaryError } from '../../../../plugins/api/index.js';
import { decodeLogMessages, type LogMessage } from './log-message.js';
import {
  decodeError, decodeHandshakeResponse, decodeRecordData, encodeHandshakeRequest, HEADER_LENGTH, HeaderType, LOG_TYPE_OCEANBASE, PROTOCOL_V2,
} from './log-proxy-protocol.js';

export interface LogProxyStreamOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** ObReaderConfig's configuration string, `first_start_timestamp` included */
  readonly configuration: string;
  readonly connectTimeoutMs: number;
  /** no packet (records, heartbeats, status) for this long: the stream is treated as dropped */
  readonly idleTimeoutMs: number;
  /** `logproxy.record.raw.dir`: where decompressed batches are appended */
  readonly rawDir?: string | null;
  readonly signal: AbortSignal;
}

/** What the stream reports while it runs. */
export interface LogProxyHandler {
  /** the server accepted the handshake */
  connected(info: { ip: string; version: string }): void;
  /** one batch, in order; the stream reads on only once the promise resolves (backpressure) */
  messages(batch: readonly LogMessage[]): Promise<void>;
}

const CLIENT_VERSION = '1.1.0-tributary';

/**
 * One Log Proxy CDC stream over one TCP connection: sends the handshake, then decodes packets
 * (handshake response, error response, runtime status, record batches) until the connection
 * ends. Resolves when `signal` aborts; rejects with `source.connection_lost` (retriable) when
 * the connection drops or goes idle, with `source.setup_required` when Log Proxy refuses the
 * handshake (credentials, cluster), and with `source.protocol_error` for bytes it cannot read.
 */
export function runLogProxyStream(options: LogProxyStreamOptions, handler: LogProxyHandler): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket: Socket = connect({ host: options.host, port: options.port });
    let buffer: Buffer = Buffer.alloc(0);
    let settled = false;
    let busy = false;
    let rawFile: string | null = null;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(connectTimer);
      options.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(null);
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) return finish(null);
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish(new RetriableError('source.connection_lost', `Log Proxy ${options.host}:${options.port} sent nothing for ${options.idleTimeoutMs} ms (not even a heartbeat); reconnecting from the checkpoint`)), options.idleTimeoutMs);
    };
    const connectTimer = setTimeout(() => finish(new RetriableError('source.unavailable', `Log Proxy ${options.host}:${options.port} did not accept the connection within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      touch();
      socket.write(encodeHandshakeRequest({ logType: LOG_TYPE_OCEANBASE, ip: socket.localAddress ?? '127.0.0.1', id: options.clientId, version: CLIENT_VERSION, enableMonitor: false, configuration: options.configuration }));
    });
    socket.on('error', (error) => finish(new RetriableError('source.connection_lost', `Log Proxy ${options.host}:${options.port}: ${error.message}`, { cause: error })));
    socket.on('close', () => finish(new RetriableError('source.connection_lost', `Log Proxy ${options.host}:${options.port} closed the connection`)));
    socket.on('data', (chunk: Buffer) => {
      touch();
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      void drain();
    });

    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        while (!settled && buffer.length >= HEADER_LENGTH) {
          const version = buffer.readUInt16BE(0);
          const type = buffer.readInt8(2);
          const length = buffer.readUInt32BE(3);
          if (version !== PROTOCOL_V2) throw new TributaryError('source.protocol_error', `Log Proxy answered with protocol version ${version}; this client speaks version ${PROTOCOL_V2}`);
          if (buffer.length < HEADER_LENGTH + length) break;
          const body = buffer.subarray(HEADER_LENGTH, HEADER_LENGTH + length);
          buffer = buffer.subarray(HEADER_LENGTH + length);
          if (type === HeaderType.ERROR_RESPONSE) {
            const e = decodeError(body);
            throw new TributaryError('source.setup_required', `Log Proxy refused the stream (code ${e.code}): ${e.message}. Check logproxy.user/logproxy.password (a sys-tenant user), rootserver.list or config.url, and table.include.list.`);
          } else if (type === HeaderType.HANDSHAKE_RESPONSE_CLIENT) {
            const r = decodeHandshakeResponse(body);
            handler.connected({ ip: r.ip, version: r.version });
          } else if (type === HeaderType.DATA_CLIENT) {
            let batch: LogMessage[];
            try {
              const data = decodeRecordData(body);
              rawFile = tapRaw(options.rawDir ?? null, rawFile, data.records);
              batch = decodeLogMessages(data.records);
            } catch (error) {
              if (error instanceof TributaryError) throw error;
              throw new TributaryError('source.protocol_error', `Cannot read a Log Proxy record batch: ${(error as Error).message}. Set logproxy.record.raw.dir to keep the bytes for a bug report.`, { cause: error });
            }
            socket.pause();
            await handler.messages(batch);
            socket.resume();
          } else if (type !== HeaderType.STATUS) {
            throw new TributaryError('source.protocol_error', `Log Proxy sent packet type ${type}, which a CDC client does not expect`);
          }
        }
      } catch (error) {
        finish(error);
      } finally {
        busy = false;
      }
      if (!settled && buffer.length >= HEADER_LENGTH && buffer.length >= HEADER_LENGTH + buffer.readUInt32BE(3)) void drain();
    };
  });
}

/** Appends one decompressed batch (u32 BE length, bytes) to the session's tap file; returns its path. */
function tapRaw(dir: string | null, file: string | null, records: Buffer): string | null {
  if (!dir) return null;
  const path = file ?? join(dir, `logproxy-${new Date().toISOString().replace(/[:.]/g, '-')}.bin`);
  if (!file) mkdirSync(dir, { recursive: true });
  const len = Buffer.alloc(4);
  len.writeUInt32BE(records.length, 0);
  appendFileSync(path, Buffer.concat([len, records]));
  return path;
}
