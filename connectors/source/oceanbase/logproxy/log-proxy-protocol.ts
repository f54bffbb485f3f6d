import { createHash } from 'node:crypto';
import lz4 from 'lz4-napi';
import { decodePb, encodePb, pbBytes, pbInt, pbString } from './protobuf-lite.js';

/**
 * Log Proxy's client protocol v2, as oblogclient's ClientHandler and oblogproxy's
 * ProtobufEncoder frame it (big-endian):
 *
 * - request: magic `xi53g]q` (7 bytes), u16 version 2, i8 type 1 (HANDSHAKE_REQUEST_CLIENT),
 *   u32 length, ClientHandshakeRequest {1 log_type, 2 ip, 3 id, 4 version, 5 enable_monitor,
 *   6 configuration}.
 * - every answer: u16 version, i8 type, u32 length, then the protobuf: -1 ErrorResponse {1 code,
 *   2 message}, 2 ClientHandshakeResponse {1 code, 2 ip, 3 version}, 6 RecordData {1
 *   compress_type (0 plain, 1 LZ4), 2 raw_len, 3 compressed_len, 4 count, 100 records}, 7
 *   RuntimeStatus.
 * - RecordData.records with LZ4: one raw LZ4 block (no frame) of raw_len bytes: LogMessages back to back.
 */
export const MAGIC = Buffer.from('xi53g]q', 'latin1');
export const PROTOCOL_V2 = 2;
export const HeaderType = { ERROR_RESPONSE: -1, HANDSHAKE_REQUEST_CLIENT: 1, HANDSHAKE_RESPONSE_CLIENT: 2, DATA_CLIENT: 6, STATUS: 7 } as const;
export const CompressType = { PLAIN: 0, LZ4: 1 } as const;
/** u16 version + i8 type + u32 length */
export const HEADER_LENGTH = 7;
/** LogType.OCEANBASE */
export const LOG_TYPE_OCEANBASE = 0;

export interface HandshakeRequest {
  readonly logType: number;
  readonly ip: string;
  readonly id: string;
  readonly version: string;
  readonly enableMonitor: boolean;
  readonly configuration: string;
}

/** The password as oblogclient sends it (`AUTH_PASSWORD_HASH`): SHA-1, upper-case hex. */
export function passwordHash(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

/** ObReaderConfig's configuration string: `key=value` pairs, each followed by a space. */
export function configurationString(entries: readonly (readonly [string, string])[]): string {
  return entries.map(([k, v]) => `${k}=${v} `).join('');
}

export function parseConfigurationString(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(' ')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

export function encodeHandshakeRequest(r: HandshakeRequest): Buffer {
  const body = encodePb([[1, r.logType], [2, r.ip], [3, r.id], [4, r.version], [5, r.enableMonitor], [6, r.configuration]]);
  const head = Buffer.alloc(MAGIC.length + HEADER_LENGTH);
  MAGIC.copy(head, 0);
  head.writeUInt16BE(PROTOCOL_V2, 7);
  head.writeInt8(HeaderType.HANDSHAKE_REQUEST_CLIENT, 9);
  head.writeUInt32BE(body.length, 10);
  return Buffer.concat([head, body]);
}

export function decodeHandshakeRequestBody(body: Buffer): HandshakeRequest {
  const m = decodePb(body);
  return { logType: pbInt(m, 1), ip: pbString(m, 2), id: pbString(m, 3), version: pbString(m, 4), enableMonitor: pbInt(m, 5) === 1, configuration: pbString(m, 6) };
}

/** One server → client packet: header and protobuf body. */
export function encodePacket(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_LENGTH);
  head.writeUInt16BE(PROTOCOL_V2, 0);
  head.writeInt8(type, 2);
  head.writeUInt32BE(body.length, 3);
  return Buffer.concat([head, body]);
}

export const encodeHandshakeResponse = (code: number, ip: string, version: string) => encodePacket(HeaderType.HANDSHAKE_RESPONSE_CLIENT, encodePb([[1, code], [2, ip], [3, version]]));
export const encodeErrorResponse = (code: number, message: string) => encodePacket(HeaderType.ERROR_RESPONSE, encodePb([[1, code], [2, message]]));
export const encodeRuntimeStatus = (ip: string, port: number) => encodePacket(HeaderType.STATUS, encodePb([[1, ip], [2, port], [3, 1], [4, 1]]));

/** A DATA_CLIENT packet holding `records` (LogMessages back to back), LZ4-compressed or plain. */
export function encodeRecordData(records: Buffer, count: number, compress = true): Buffer {
  const payload = compress ? lz4CompressBlock(records) : records;
  const body = encodePb([[1, compress ? CompressType.LZ4 : CompressType.PLAIN], [2, records.length], [3, payload.length], [4, count], [100, payload]]);
  return encodePacket(HeaderType.DATA_CLIENT, body);
}

export interface RecordData {
  readonly compressType: number;
  readonly rawLength: number;
  readonly count: number;
  /** decompressed: LogMessages back to back */
  readonly records: Buffer;
}

export function decodeRecordData(body: Buffer): RecordData {
  const m = decodePb(body);
  const compressType = pbInt(m, 1);
  const rawLength = pbInt(m, 2);
  const payload = pbBytes(m, 100);
  let records: Buffer;
  if (compressType === CompressType.LZ4) records = lz4DecompressBlock(payload, rawLength);
  else if (compressType === CompressType.PLAIN) records = payload;
  else throw new RangeError(`unsupported compress type ${compressType}`);
  if (records.length !== rawLength) throw new RangeError(`the batch decompressed to ${records.length} bytes, raw_len says ${rawLength}`);
  return { compressType, rawLength, count: pbInt(m, 4), records };
}

export function decodeError(body: Buffer): { code: number; message: string } {
  const m = decodePb(body);
  return { code: pbInt(m, 1), message: pbString(m, 2) };
}

export function decodeHandshakeResponse(body: Buffer): { code: number; ip: string; version: string } {
  const m = decodePb(body);
  return { code: pbInt(m, 1), ip: pbString(m, 2), version: pbString(m, 3) };
}

/**
 * A raw LZ4 block (what LZ4_compress_default writes). lz4-napi's block functions put the raw
 * length in front as 4 little-endian bytes (lz4_flex's size-prepended form): added and stripped here.
 */
export function lz4CompressBlock(raw: Buffer): Buffer {
  return lz4.compressSync(raw).subarray(4);
}

export function lz4DecompressBlock(block: Buffer, rawLength: number): Buffer {
  const sized = Buffer.alloc(4 + block.length);
  sized.writeUInt32LE(rawLength, 0);
  block.copy(sized, 4);
  return lz4.uncompressSync(sized);
}
