import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSignal, parseSignal } from './signals.js';

describe('Debezium signals', () => {
  it('execute-snapshot from the signal table (JSON text) and from REST (an object), with additional conditions', () => {
    const fromTable = parseSignal('s1', 'execute-snapshot', '{"data-collections": ["public.a", "public.b"], "type": "INCREMENTAL", "additional-conditions": [{"data-collection": "public.a", "filter": "id > 5"}]}');
    assert.deepEqual(fromTable, { id: 's1', type: 'execute-snapshot', snapshotType: 'incremental', collections: ['public.a', 'public.b'], conditions: new Map([['public.a', 'id > 5']]) });
    const fromRest = parseSignal('s2', 'execute-snapshot', { 'data-collections': ['public.a'], 'additional-condition': 'v = 1' });
    assert.equal(fromRest.type === 'execute-snapshot' && fromRest.snapshotType, 'incremental', 'incremental is the default');
    assert.deepEqual(fromRest.type === 'execute-snapshot' && [...fromRest.conditions], [['public.a', 'v = 1']]);
  });

  it('stop, pause, resume and log', () => {
    assert.deepEqual(parseSignal('a', 'stop-snapshot', '{"data-collections": ["public.a"], "type": "incremental"}'), { id: 'a', type: 'stop-snapshot', collections: ['public.a'] });
    assert.deepEqual(parseSignal('b', 'stop-snapshot', ''), { id: 'b', type: 'stop-snapshot', collections: [] });
    assert.deepEqual(parseSignal('c', 'pause-snapshot', null), { id: 'c', type: 'pause-snapshot' });
    assert.deepEqual(parseSignal('d', 'resume-snapshot', '{}'), { id: 'd', type: 'resume-snapshot' });
    assert.deepEqual(parseSignal('e', 'log', '{"message": "hello"}'), { id: 'e', type: 'log', message: 'hello' });
  });

  it('refuses what it cannot understand, saying what is wrong', () => {
    assert.throws(() => parseSignal('x', 'execute-snapshot', '{not json'), (e: unknown) => e instanceof InvalidSignal && /not JSON/.test((e as Error).message));
    assert.throws(() => parseSignal('x', 'execute-snapshot', '{"data-collections": []}'), /data-collections/);
    assert.throws(() => parseSignal('x', 'execute-snapshot', '{"data-collections": ["t"], "type": "sideways"}'), /type/);
    assert.throws(() => parseSignal('x', 'reboot', '{}'), /unknown type "reboot"/);
  });
});
