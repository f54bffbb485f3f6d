import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimalText, fromTwosComplementBytes, twosComplementBytes, unscaledOf } from './decimal-bytes.js';

describe('decimal bytes', () => {
  it('encodes like Java BigInteger.toByteArray', () => {
    const cases: [bigint, number[]][] = [[0n, [0]], [1n, [1]], [127n, [127]], [128n, [0, 128]], [-1n, [255]], [-128n, [128]], [-129n, [255, 127]], [65535n, [0, 255, 255]]];
    for (const [n, bytes] of cases) {
      assert.deepEqual([...twosComplementBytes(n)], bytes, String(n));
      assert.equal(fromTwosComplementBytes(Uint8Array.from(bytes)), n);
    }
    const huge = -(10n ** 40n) + 7n;
    assert.equal(fromTwosComplementBytes(twosComplementBytes(huge)), huge);
  });

  it('converts decimal text to unscaled integers and back exactly', () => {
    assert.equal(unscaledOf('12.5', 2), 1250n);
    assert.equal(unscaledOf('-0.010', 2), -1n);
    assert.equal(unscaledOf('1.5e2', 0), 150n);
    assert.equal(unscaledOf('12345678901234567890.123456789', 9), 12345678901234567890123456789n);
    assert.throws(() => unscaledOf('1.234', 2), /decimal places/);
    assert.throws(() => unscaledOf('abc', 2), /not a decimal/);
    assert.equal(decimalText(-1n, 2), '-0.01');
    assert.equal(decimalText(1250n, 2), '12.50');
    assert.equal(decimalText(5n, 0), '5');
    assert.equal(decimalText(5n, -2), '500');
  });
});
