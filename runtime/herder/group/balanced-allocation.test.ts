import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balanceItems } from './balanced-allocation.js';

/** A seeded generator (mulberry32): the property runs are the same every time. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const group = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}-${i}`);

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
}

/** The most items any share meeting the balance rules keeps in place, by trying every share. */
function bestKept(workers: readonly string[], groups: readonly string[][], holder: Map<string, string>): number {
  const w = workers.length;
  let best = -1;
  const search = (g: number, totals: number[], kept: number) => {
    if (g === groups.length) {
      if (Math.max(...totals) - Math.min(...totals) <= 1) best = Math.max(best, kept);
      return;
    }
    const items = groups[g];
    const floor = Math.floor(items.length / w);
    for (const withExtra of subsets(workers.map((_, i) => i), items.length % w)) {
      const quota = workers.map((_, i) => floor + (withExtra.includes(i) ? 1 : 0));
      const keptHere = workers.reduce((sum, id, i) => sum + Math.min(quota[i], items.filter((it) => holder.get(it) === id).length), 0);
      search(g + 1, totals.map((t, i) => t + quota[i]), kept + keptHere);
    }
  };
  search(0, workers.map(() => 0), 0);
  return best;
}

function check(workers: string[], groups: string[][], holder: Map<string, string>) {
  const result = balanceItems({ workers, groups, holderOf: (item) => holder.get(item) });
  const all = groups.flat();
  assert.deepEqual([...result.values()].flat().sort(), [...all].sort(), 'every item placed once');
  for (const items of groups) {
    const counts = workers.map((w) => result.get(w)!.filter((i) => items.includes(i)).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `group spread within one: ${counts}`);
  }
  const totals = workers.map((w) => result.get(w)!.length);
  assert.ok(Math.max(...totals) - Math.min(...totals) <= 1, `totals within one: ${totals}`);
  return { result, kept: workers.reduce((sum, w) => sum + result.get(w)!.filter((i) => holder.get(i) === w).length, 0) };
}

describe('balanceItems', () => {
  it('spreads each group and the totals evenly over fresh workers', () => {
    const groups = [group('a', 40), group('b', 31), group('c', 20), group('d', 7), group('e', 2)];
    const { result } = check(['w1', 'w2', 'w3'], groups, new Map());
    assert.deepEqual([...result.values()].map((items) => items.length), [34, 33, 33]);
  });

  it('keeps the most items in place that any balanced share can (every share tried, 300 random cases)', () => {
    const next = random(11);
    for (let run = 0; run < 300; run++) {
      const workers = ['w1', 'w2', 'w3'].slice(0, 2 + Math.floor(next() * 2));
      const groups = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, g) => group(`g${g}`, Math.floor(next() * 7)));
      const holder = new Map<string, string>();
      for (const item of groups.flat()) {
        const pick = Math.floor(next() * (workers.length + 1));
        if (pick < workers.length) holder.set(item, workers[pick]);
      }
      const { kept } = check(workers, groups, holder);
      assert.equal(kept, bestKept(workers, groups, holder), `run ${run}: ${JSON.stringify({ workers, groups: groups.map((g) => g.length), holder: [...holder] })}`);
    }
  });

  it('takes a new worker\'s share from the others without moving anything between them', () => {
    const groups = [group('a', 12), group('b', 1), group('c', 1), group('d', 1), group('e', 1), group('f', 5)];
    const before = check(['w1', 'w2', 'w3'], groups, new Map()).result;
    const holder = new Map([...before].flatMap(([w, items]) => items.map((i) => [i, w] as const)));
    const { result, kept } = check(['w1', 'w2', 'w3', 'w4'], groups, holder);
    assert.equal(result.get('w4')!.length, 5);
    assert.equal(kept, 21 - 5, 'only the new worker\'s share moved');
  });

  it('gives the same answer for the same input, and nothing to no workers', () => {
    const groups = [group('a', 10), group('b', 7)];
    const holder = new Map([['a-0', 'w2'], ['a-1', 'w2'], ['b-3', 'w1']]);
    const first = balanceItems({ workers: ['w1', 'w2', 'w3'], groups, holderOf: (i) => holder.get(i) });
    assert.deepEqual(balanceItems({ workers: ['w1', 'w2', 'w3'], groups, holderOf: (i) => holder.get(i) }), first);
    assert.equal(balanceItems({ workers: [], groups, holderOf: () => undefined }).size, 0);
  });
});
