import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProperties } from './properties-format.js';

describe('parseProperties', () => {
  it('accepts =, : and whitespace as separators, dropping whitespace around them', () => {
    assert.deepEqual(parseProperties('a=1\nb = 2\nc:3\nd : 4\ne 5\nf\t=\t6\ng    7 8'), { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '7 8' });
  });

  it('keeps a second separator and trailing whitespace as part of the value', () => {
    assert.deepEqual(parseProperties('a==b\nc:=d\ne=:f\ng = h  '), { a: '=b', c: '=d', e: ':f', g: 'h  ' });
  });

  it('skips # and ! comments (also indented) and blank lines; # inside a value is data', () => {
    const text = ['# comment=1', '! bang: 2', '   # indented', '', '   ', 'url=http://h/#frag', 'x=1 # not a comment'].join('\n');
    assert.deepEqual(parseProperties(text), { url: 'http://h/#frag', x: '1 # not a comment' });
  });

  it('joins continuation lines, dropping the leading whitespace of the next line', () => {
    const text = 'list=a,\\\n    b,\\\n\tc\nnext=1\ncomment.like=x\\\n  # y';
    assert.deepEqual(parseProperties(text), { list: 'a,b,c', next: '1', 'comment.like': 'x# y' });
  });

  it('does not treat an escaped backslash at the end of a line as a continuation', () => {
    assert.deepEqual(parseProperties('path=C:\\\\dir\\\\\nnext=1'), { path: 'C:\\dir\\', next: '1' });
    assert.deepEqual(parseProperties('a=b\\\\\\\n c'), { a: 'b\\c' }, 'three backslashes: one escaped, one continues');
  });

  it('unescapes tab, newline, return, form feed, four-digit unicode escapes and any other escaped character', () => {
    assert.deepEqual(parseProperties('a=\\t\\n\\r\\f|\\q\\\\'), { a: '\t\n\r\f|q\\' });
    assert.deepEqual(parseProperties('u=\\u00e9\\u65E5\\u0041'), { u: 'é日A' });
    assert.deepEqual(parseProperties('\\u0041key=v'), { Akey: 'v' });
  });

  it('gives empty values for keys without one', () => {
    assert.deepEqual(parseProperties('a=\nb\nc =\nd:'), { a: '', b: '', c: '', d: '' });
  });

  it('allows separators and spaces in keys when escaped', () => {
    assert.deepEqual(parseProperties('key\\ with\\ spaces = v\nk\\=x=y\nk\\:z:w\n\\#hash=1\n\\!bang=2'), {
      'key with spaces': 'v',
      'k=x': 'y',
      'k:z': 'w',
      '#hash': '1',
      '!bang': '2',
    });
  });

  it('handles CRLF and CR line endings, and a later key wins', () => {
    assert.deepEqual(parseProperties('a=1\r\nb=2\rc=3\r\na=4'), { a: '4', b: '2', c: '3' });
  });

  it('reads an empty text as no properties', () => {
    assert.deepEqual(parseProperties(''), {});
  });
});
