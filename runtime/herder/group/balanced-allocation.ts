import { FlowNetwork } from './min-cost-flow.js';

export interface BalanceRequest {
  /** the workers to share the items, in a fixed order (it breaks ties) */
  readonly workers: readonly string[];
  /** items in groups (a connector's tasks), each in a fixed order */
  readonly groups: readonly (readonly string[])[];
  /** the worker that runs an item now, if it is one of `workers` */
  readonly holderOf: (item: string) => string | undefined;
}

/**
 * Shares items over workers so that
 *  1. every group is spread evenly: each worker gets ⌊n/W⌋ or ⌈n/W⌉ of a group's n items
 *     (one connector's tasks are never clumped on a few workers, KAFKA-17049);
 *  2. every worker's total is within one of every other's;
 *  3. among all shares meeting 1 and 2, the most items stay where they are, so a rebalance
 *     moves only what balance needs (Kafka Connect's assignor is greedy and may move more).
 *
 * Rule 1 fixes each worker's share of a group up to one "extra" item; which workers take the
 * extras of which groups decides both rule 2 and how much moves. That choice is a min-cost flow:
 * source → group (capacity: the group's extras) → worker (capacity 1, cost −1 when the worker
 * already holds more than the floor of that group, so the extra keeps an item in place) → sink
 * (capacity: each worker's even share of all extras, plus one for as many workers as the
 * remainder needs). A cheapest full flow is a share that keeps the most items.
 */
export function balanceItems(request: BalanceRequest): Map<string, string[]> {
  const { workers, groups, holderOf } = request;
  const result = new Map<string, string[]>(workers.map((w) => [w, []]));
  if (workers.length === 0) return result;
  const quotas = groupQuotas(workers, groups, holderOf);
  groups.forEach((items, g) => placeGroup(items, quotas[g], workers, holderOf, result));
  return result;
}

/** How many of each group's items each worker gets (quotas[group][worker index]). */
function groupQuotas(workers: readonly string[], groups: readonly (readonly string[])[], holderOf: (item: string) => string | undefined): number[][] {
  const w = workers.length;
  const index = new Map(workers.map((id, i) => [id, i]));
  const held = groups.map((items) => {
    const counts = new Array<number>(w).fill(0);
    for (const item of items) {
      const holder = holderOf(item);
      if (holder !== undefined && index.has(holder)) counts[index.get(holder)!]++;
    }
    return counts;
  });
  const floors = groups.map((items) => Math.floor(items.length / w));
  const extras = groups.map((items) => items.length % w);
  const totalExtras = extras.reduce((a, b) => a + b, 0);
  const evenExtras = Math.floor(totalExtras / w);
  const workersWithOneMore = totalExtras % w;

  // nodes: 0 source, 1 sink, 2 "one more" pool, then workers, then groups
  const SOURCE = 0, SINK = 1, ONE_MORE = 2;
  const workerNode = (i: number) => 3 + i;
  const groupNode = (g: number) => 3 + w + g;
  const network = new FlowNetwork(3 + w + groups.length);
  const extraEdges = groups.map((_, g) => {
    if (extras[g] === 0) return [];
    network.addEdge(SOURCE, groupNode(g), extras[g], 0);
    return workers.map((_, i) => network.addEdge(groupNode(g), workerNode(i), 1, held[g][i] > floors[g] ? -1 : 0));
  });
  for (let i = 0; i < w; i++) {
    network.addEdge(workerNode(i), SINK, evenExtras, 0);
    if (workersWithOneMore > 0) network.addEdge(workerNode(i), ONE_MORE, 1, 0);
  }
  if (workersWithOneMore > 0) network.addEdge(ONE_MORE, SINK, workersWithOneMore, 0);
  const { flow } = network.run(SOURCE, SINK);
  // always reachable: dealing the extras round-robin is a full flow
  if (flow !== totalExtras) throw new Error(`balanced allocation: placed ${flow} of ${totalExtras} extra items`);
  return groups.map((_, g) => workers.map((_, i) => floors[g] + (extras[g] === 0 ? 0 : network.flowOn(extraEdges[g][i]))));
}

/** Keeps each worker's items up to its quota, then fills the quotas with the rest, in order. */
function placeGroup(items: readonly string[], quota: readonly number[], workers: readonly string[], holderOf: (item: string) => string | undefined, result: Map<string, string[]>): void {
  const taken = new Map<string, number>(workers.map((w) => [w, 0]));
  const free: string[] = [];
  const quotaOf = new Map(workers.map((w, i) => [w, quota[i]]));
  for (const item of items) {
    const holder = holderOf(item);
    if (holder !== undefined && taken.has(holder) && taken.get(holder)! < quotaOf.get(holder)!) {
      result.get(holder)!.push(item);
      taken.set(holder, taken.get(holder)! + 1);
    } else free.push(item);
  }
  let next = 0;
  for (const worker of workers) {
    for (let n = taken.get(worker)!; n < quotaOf.get(worker)!; n++) result.get(worker)!.push(free[next++]);
  }
}
