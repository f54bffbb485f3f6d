import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCopyRow } from './copy-out.js';

const row = (text: string) => {
  const bytes = Buffer.from(`xx${text}\nyy`); // a frame inside a larger chunk
  return parseCopyRow(bytes, 2, bytes.length - 2);
};

test('a COPY text row splits on tabs, with \\N as NULL and escapes undone', () => {
  assert.deepEqual(row('1\tname\t\\N\t'), ['1', 'name', null, '']);
  assert.deepEqual(row('a\\tb\tline\\nnext\\r\tback\\\\slash\t\\b\\f\\v'), ['a\tb', 'line\nnext\r', 'back\\slash', '\b\f\v']);
  assert.deepEqual(row('\\\\N'), ['\\N'], 'an escaped backslash before N is text, not NULL');
  assert.deepEqual(row('\\\\x0102'), ['\\x0102'], 'bytea hex output');
  assert.deepEqual(row('日本語\tzoë 🚀'), ['日本語', 'zoë 🚀']);
  assert.deepEqual(row('only'), ['only']);
});

test('the field array is reused and resized per row', () => {
  const fields: (string | null)[] = [];
  const bytes = Buffer.from('a\tb\tc\n');
  assert.equal(parseCopyRow(bytes, 0, bytes.length, fields), fields);
  assert.deepEqual(fields, ['a', 'b', 'c']);
  const shorter = Buffer.from('d\n');
  parseCopyRow(shorter, 0, shorter.length, fields);
  assert.deepEqual(fields, ['d']);
});
