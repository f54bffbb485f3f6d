import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeLogMessage, encodeLogMessage, type LogMessage } from './log-message.js';
import { configurationString, decodeRecordData, encodeRecordData, lz4DecompressBlock, passwordHash } from './log-proxy-protocol.js';
import { decodePb, encodePb } from './protobuf-lite.js';

const begin: LogMessage = {
  op: 'BEGIN', id: 1n, timestamp: 1_700_000_000, checkpoint: 1_699_999_999, transactionId: 'T1', dbName: null, tableName: null,
  fields: [], before: null, after: null, encoding: 'UTF-8',
};

/**
 * Hand-computed from the offsets oblogclient reads (LogMessage.setByteBuf, BinaryMessageUtils):
 * MsgHeader (u16 0, u16 1, u32 size 139), the 4 bytes the 12-byte prefix skips, the header
 * array (0x12, count 104) and its fields, then filterRuleVal as a string list ['', 'T1', ''] at
 * rel offset 109 (0x6d).
 */
const BEGIN_HEX = [
  '0000', '0100', '8b000000', '00000000', // MsgHeader + skipped word
  '12', '68000000', // header array: DC_ARRAY|DT_UINT8, 104 bytes
  '03', '04', '06', '00', '00000000', // brVersion 3, srcType 4 (OceanBase), op BEGIN (6), lastInLogEvent, srcCategory
  '0100000000000000', // id 1
  '00f1536500000000', // timestamp 1700000000 = 0x6553f100
  'ffffffff', 'ffffffff', 'ffffffff', 'ffffffff', 'ffffffff', 'ffffffff', 'ffffffff', 'ffffffff', // encoding instance timeMark dbName tbName colNames colTypes pkVal
  'fff0536500000000', // fileNameOffset = checkpoint 1699999999
  '0000000000000000', // fileOffset
  'ffffffff', 'ffffffff', 'ffffffff', 'ffffffff', // oldCols newCols pkKeys ukCols
  'ffffffffffffffff', // colsEncoding
  '6d000000', // filterRuleVal at rel 109
  'ffffffff', // tail
  '1b', '03000000', '00000000', '01000000', '04000000', '05000000', '00', '543100', '00', // ['', 'T1', '']
].join('');

describe('LogMessage layout', () => {
  test('a BEGIN record matches the hand-computed bytes, and decodes back', () => {
    const bytes = encodeLogMessage(begin);
    assert.equal(bytes.toString('hex'), BEGIN_HEX);
    const { message, next } = decodeLogMessage(Buffer.from(BEGIN_HEX, 'hex'));
    assert.equal(next, bytes.length);
    assert.deepEqual({ ...message }, { ...begin });
  });

  test('an UPDATE carries both images where oblogclient\'s fieldListParse reads them', () => {
    const m: LogMessage = {
      op: 'UPDATE', id: 7n, timestamp: 1_700_000_001, checkpoint: 1_700_000_000, transactionId: 'T2', dbName: 'ora_t.INVENTORY', tableName: 'ORDERS',
      fields: [{ name: 'ID', type: 246, primaryKey: true }, { name: 'NAME', type: 15, primaryKey: false }], before: ['1', 'old'], after: ['1', null], encoding: 'UTF-8',
    };
    const b = encodeLogMessage(m);
    const P = 12;
    const hdr = P + 5;
    // the reading recipe of fieldListParse, independent of our decoder
    const colNames = b.readInt32LE(hdr + 44);
    const oldCols = b.readInt32LE(hdr + 72);
    const newCols = b.readInt32LE(hdr + 76);
    const count = b.readInt32LE(P + colNames + 1);
    assert.equal(count, 2);
    const element = (listOffset: number, i: number): string | null => {
      const n = b.readInt32LE(P + listOffset + 1);
      const cur = b.readUInt32LE(P + listOffset + 5 + i * 4);
      const nxt = b.readUInt32LE(P + listOffset + 5 + (i + 1) * 4);
      if (cur === nxt) return null;
      const at = P + cur + 1 + 4 + (n + 1) * 4 + listOffset;
      return b.toString('utf8', at, at + nxt - cur - 1);
    };
    assert.deepEqual([element(colNames, 0), element(colNames, 1)], ['ID', 'NAME']);
    assert.deepEqual([element(oldCols, 0), element(oldCols, 1)], ['1', 'old']);
    assert.deepEqual([element(newCols, 0), element(newCols, 1)], ['1', null]);
    const dbName = b.readInt32LE(hdr + 36);
    assert.equal(b[P + dbName], 0x0b);
    assert.equal(b.toString('utf8', P + dbName + 5, P + dbName + 5 + b.readUInt32LE(P + dbName + 1) - 1), 'ora_t.INVENTORY');
    assert.equal(b.readUInt8(hdr + 2), 1, 'op code UPDATE = 1');
    const back = decodeLogMessage(b).message;
    assert.deepEqual(back.before, ['1', 'old']);
    assert.deepEqual(back.after, ['1', null]);
    assert.deepEqual(back.fields.map((f) => f.primaryKey), [true, false]);
  });

  test('a batch is one raw LZ4 block; a hand-made literal-only block decompresses', () => {
    // token 0x30: 3 literals, no match (the last sequence of a block)
    assert.equal(lz4DecompressBlock(Buffer.from('30616263', 'hex'), 3).toString(), 'abc');
    const records = Buffer.concat([encodeLogMessage(begin), encodeLogMessage({ ...begin, op: 'COMMIT', id: 2n })]);
    const packet = encodeRecordData(records, 2);
    assert.equal(packet.readInt8(2), 6, 'DATA_CLIENT');
    const data = decodeRecordData(packet.subarray(7));
    assert.equal(data.compressType, 1);
    assert.ok(data.records.equals(records));
    assert.equal(data.count, 2);
  });

  test('handshake pieces: SHA-1 upper-case hex password, space-separated config, protobuf fields', () => {
    assert.equal(passwordHash('secret'), 'E5E9FA1BA31ECD1AE84F75CAAA474F3A663F05F4');
    assert.equal(configurationString([['cluster_user', 'root@sys'], ['first_start_timestamp', '0']]), 'cluster_user=root@sys first_start_timestamp=0 ');
    // field 1 varint 0 is left out (proto3 default); field 6 length-delimited
    assert.equal(encodePb([[1, 0], [3, 'id'], [5, true], [6, 'a=b ']]).toString('hex'), '1a0269642801' + '3204' + Buffer.from('a=b ').toString('hex'));
    const m = decodePb(Buffer.from('08ffffffff0f', 'hex'));
    assert.equal(m.get(1), -1, 'int32 -1 as a 5-byte varint');
  });
});
