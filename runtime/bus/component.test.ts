import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentOf, type ComponentView } from './component.js';

/** A view over fixed sources (label → topics) and sinks (name → topic pattern). */
function view(sources: Record<string, string[]>, sinks: Record<string, RegExp>): ComponentView {
  const sourceNames = new Set(Object.keys(sources).filter((l) => !l.includes('>')));
  return {
    sourceTopics: (label) => (label in sources ? new Set(sources[label]) : undefined),
    sourceLabels: () => Object.keys(sources),
    sinks: () => Object.entries(sinks).map(([name, re]) => ({ name, matches: (t: string) => re.test(t) })),
    isSource: (name) => sourceNames.has(name),
  };
}

const sorted = (s: Set<string>) => [...s].sort();

describe('componentOf', () => {
  const pipelines = view(
    { pg: ['shop.orders', 'shop.users'], gen: ['demo'], mysql: ['crm.accounts'], 'pg>lake': ['dlq.lake'] },
    { lake: /^shop\./, audit: /^shop\.users$/, dlqReader: /^dlq\./, console: /^demo$/, idle: /^nothing$/ },
  );

  it('from a source: the sinks reading its topics, and transitively their other sources', () => {
    assert.deepEqual(sorted(componentOf(pipelines, ['pg'])), ['audit', 'dlqReader', 'lake', 'pg']);
  });

  it('from a sink: the sources it reads, then their other sinks', () => {
    assert.deepEqual(sorted(componentOf(pipelines, ['audit'])), ['audit', 'dlqReader', 'lake', 'pg']);
  });

  it('follows dead-letter labels source>sink to both owners', () => {
    assert.deepEqual(sorted(componentOf(pipelines, ['dlqReader'])), ['audit', 'dlqReader', 'lake', 'pg']);
  });

  it('keeps unrelated pipelines apart', () => {
    assert.deepEqual(sorted(componentOf(pipelines, ['gen'])), ['console', 'gen']);
    assert.deepEqual(sorted(componentOf(pipelines, ['console'])), ['console', 'gen']);
    assert.deepEqual(sorted(componentOf(pipelines, ['mysql'])), ['mysql']);
    assert.deepEqual(sorted(componentOf(pipelines, ['idle'])), ['idle']);
  });

  it('joins pipelines through a sink reading two sources', () => {
    const v = view({ a: ['t1'], b: ['t2'], c: ['t3'] }, { s1: /^t1$/, both: /^t[12]$/, s3: /^t3$/ });
    assert.deepEqual(sorted(componentOf(v, ['a'])), ['a', 'b', 'both', 's1']);
    assert.deepEqual(sorted(componentOf(v, ['s1', 'c'])), ['a', 'b', 'both', 'c', 's1', 's3']);
  });

  it('keeps unknown names and sources that have not published yet', () => {
    const v = view({}, { s: /.*/ });
    assert.deepEqual(sorted(componentOf(v, ['ghost'])), ['ghost']);
    assert.deepEqual(sorted(componentOf(v, ['s'])), ['s']);
  });
});
