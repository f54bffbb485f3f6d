import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyText, SnapshotWindow } from './snapshot-window.js';

describe('an incremental snapshot chunk window (DBLog)', () => {
  it('hands out the chunk less the keys streamed between the watermarks, in key order', () => {
    const window = new SnapshotWindow<string>('w1', 'srv.public.t');
    window.changed('srv.public.t', keyText({ id: 1 }));
    window.open();
    window.changed('srv.public.t', keyText({ id: 2 }));
    window.changed('srv.public.other', keyText({ id: 3 }));
    window.fill([1, 2, 3, 4].map((id) => ({ key: keyText({ id }), row: `row ${id}` })));
    assert.equal(window.filled, true);
    // 1 changed before the low watermark (the read sees it), 2 inside (the stream has it), 3 in another table
    assert.deepEqual(window.close(), ['row 1', 'row 3', 'row 4']);
    assert.equal(window.isOpen, false);
  });

  it('a truncate inside the window empties the chunk; before the low watermark it does not count', () => {
    const window = new SnapshotWindow<string>('w2', 't');
    window.truncated();
    window.open();
    window.fill([{ key: keyText({ id: 1 }), row: 'row 1' }]);
    assert.deepEqual(window.close(), ['row 1']);
    window.open();
    window.fill([{ key: keyText({ id: 1 }), row: 'row 1' }]);
    window.truncated();
    assert.deepEqual(window.close(), []);
  });

  it('keys as text are the same for the same key, big integers included', () => {
    assert.equal(keyText({ id: 2n ** 63n - 1n }), keyText({ id: 2n ** 63n - 1n }));
    assert.notEqual(keyText({ id: 1n }), keyText({ id: 1 }));
  });
});
