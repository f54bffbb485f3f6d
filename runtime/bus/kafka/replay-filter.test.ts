import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayFilter } from './replay-filter.js';

const p = 'orders\u00000';
const pos = (n: number) => String(n).padStart(6, '0');

describe('ReplayFilter', () => {
  it('skips a restarted source\'s resends and keeps what follows them', () => {
    const f = new ReplayFilter();
    f.restore(p, null);
    const admitted: number[] = [];
    // offsets 0-4 carry positions 1-5; the source restarts from position 3: offsets 5-9 carry 3-7
    [1, 2, 3, 4, 5, 3, 4, 5, 6, 7].forEach((n, offset) => { if (f.admit(p, offset, 'gen', pos(n))) admitted.push(n); });
    assert.deepEqual(admitted, [1, 2, 3, 4, 5, 6, 7]);
  });

  it('commits the highest position before the committed offset, not beyond it', () => {
    const f = new ReplayFilter();
    f.restore(p, null);
    for (let offset = 0; offset < 10; offset++) f.admit(p, offset, 'gen', pos(offset + 1));
    // offsets 0-5 are durable (positions 1-6); 6-9 will be read again after a crash
    const metadata = f.commitAt(p, 6);
    assert.deepEqual(JSON.parse(metadata!), { tributary: { gen: pos(6) } });

    const restarted = new ReplayFilter();
    restarted.restore(p, metadata);
    // read again from offset 6: positions 7-10 are new here; then the source's resend of 5-10
    const admitted: number[] = [];
    [7, 8, 9, 10, 5, 6, 7, 8, 9, 10, 11].forEach((n, i) => { if (restarted.admit(p, 6 + i, 'gen', pos(n))) admitted.push(n); });
    assert.deepEqual(admitted, [7, 8, 9, 10, 11]);
  });

  it('keeps sources apart and ignores metadata it did not write', () => {
    const f = new ReplayFilter();
    f.restore(p, '');
    assert.equal(f.admit(p, 0, 'a', pos(5)), true);
    assert.equal(f.admit(p, 1, 'b', pos(1)), true);
    assert.equal(f.admit(p, 2, 'a', pos(4)), false);
    assert.deepEqual(JSON.parse(f.commitAt(p, 3)!), { tributary: { a: pos(5), b: pos(1) } });
    const other = new ReplayFilter();
    other.restore(p, 'some other consumer\'s metadata');
    assert.equal(other.commitAt(p, 0), null);
    assert.equal(other.admit(p, 0, 'a', pos(1)), true);
  });
});
