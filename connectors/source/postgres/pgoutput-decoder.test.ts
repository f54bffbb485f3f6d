import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePgOutput, UNCHANGED_TOAST } from './pgoutput-decoder.js';

/** Builds pgoutput messages byte by byte, as the server writes them. */
class Writer {
  parts: Buffer[] = [];
  byte(c: string | number) { this.parts.push(Buffer.from([typeof c === 'string' ? c.charCodeAt(0) : c])); return this; }
  int16(n: number) { const b = Buffer.alloc(2); b.writeInt16BE(n); this.parts.push(b); return this; }
  int32(n: number) { const b = Buffer.alloc(4); b.writeInt32BE(n); this.parts.push(b); return this; }
  int64(n: bigint) { const b = Buffer.alloc(8); b.writeBigInt64BE(n); this.parts.push(b); return this; }
  str(s: string) { this.parts.push(Buffer.from(s + '\0')); return this; }
  text(s: string) { const b = Buffer.from(s); return this.byte('t').int32(b.length).bytes(b); }
  bytes(b: Buffer) { this.parts.push(b); return this; }
  done() { return Buffer.concat(this.parts); }
}

test('begin, commit and relation messages', () => {
  const begin = decodePgOutput(new Writer().byte('B').int64(0x2000n).int64(1_000_000n).int32(77).done());
  assert.deepEqual({ ...begin, finalLsn: (begin as { finalLsn: { value: bigint } }).finalLsn.value }, { tag: 'begin', finalLsn: 0x2000n, commitTimeMs: 946_684_801_000, commitTimeUs: 946_684_801_000_000, xid: 77 });
  const commit = decodePgOutput(new Writer().byte('C').byte(0).int64(0x2000n).int64(0x2030n).int64(0n).done());
  assert.equal(commit.tag, 'commit');
  const relation = decodePgOutput(new Writer().byte('R').int32(16385).str('public').str('t').byte('d').int16(2)
    .byte(1).str('id').int32(23).int32(-1).byte(0).str('doc').int32(25).int32(-1).done());
  assert.deepEqual(relation, { tag: 'relation', relationId: 16385, schema: 'public', table: 't', replicaIdentity: 'd', columns: [
    { isKey: true, name: 'id', typeOid: 23, typmod: -1 }, { isKey: false, name: 'doc', typeOid: 25, typmod: -1 }] });
});

test('tuples keep text, nulls and unchanged TOAST apart; updates carry old tuples', () => {
  const insert = decodePgOutput(new Writer().byte('I').int32(16385).byte('N').int16(3).text('1').byte('n').text('héllo').done());
  assert.deepEqual(insert, { tag: 'insert', relationId: 16385, after: ['1', null, 'héllo'] });
  const update = decodePgOutput(new Writer().byte('U').int32(16385).byte('O').int16(2).text('1').text('old').byte('N').int16(2).text('1').byte('u').done());
  assert.deepEqual(update, { tag: 'update', relationId: 16385, before: ['1', 'old'], beforeIsKeyOnly: false, after: ['1', UNCHANGED_TOAST] });
  const keyOnly = decodePgOutput(new Writer().byte('D').int32(16385).byte('K').int16(2).text('1').byte('n').done());
  assert.deepEqual(keyOnly, { tag: 'delete', relationId: 16385, beforeIsKeyOnly: true, before: ['1', null] });
  const truncate = decodePgOutput(new Writer().byte('T').int32(2).byte(3).int32(1).int32(2).done());
  assert.deepEqual(truncate, { tag: 'truncate', relationIds: [1, 2], cascade: true, restartIdentity: true });
  assert.throws(() => decodePgOutput(Buffer.from('Z')), /unknown pgoutput message/);
});
