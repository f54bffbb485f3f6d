/**
 * Minimum-cost maximum flow by successive shortest paths (queue-based Bellman-Ford, so edge costs
 * may be negative as long as the graph starts without negative cycles). Small and exact: the
 * balanced allocation solves one such problem per rebalance, with a node per connector and per
 * worker. The result depends only on the order edges were added in, so the same input always
 * gives the same flow.
 */
export class FlowNetwork {
  readonly #to: number[] = [];
  readonly #capacity: number[] = [];
  readonly #cost: number[] = [];
  readonly #edgesFrom: number[][];

  constructor(nodes: number) {
    this.#edgesFrom = Array.from({ length: nodes }, () => []);
  }

  /** Adds an edge and returns its id, for `flowOn`. */
  addEdge(from: number, to: number, capacity: number, cost: number): number {
    const id = this.#to.length;
    // each edge is stored with its residual twin at id ^ 1
    this.#to.push(to, from);
    this.#capacity.push(capacity, 0);
    this.#cost.push(cost, -cost);
    this.#edgesFrom[from].push(id);
    this.#edgesFrom[to].push(id + 1);
    return id;
  }

  flowOn(edge: number): number {
    return this.#capacity[edge ^ 1];
  }

  /** Pushes as much flow from `source` to `sink` as fits, at the lowest total cost. */
  run(source: number, sink: number): { flow: number; cost: number } {
    let flow = 0;
    let cost = 0;
    for (;;) {
      const path = this.#shortestPath(source, sink);
      if (!path) return { flow, cost };
      let push = Infinity;
      for (const edge of path) push = Math.min(push, this.#capacity[edge]);
      for (const edge of path) {
        this.#capacity[edge] -= push;
        this.#capacity[edge ^ 1] += push;
        cost += push * this.#cost[edge];
      }
      flow += push;
    }
  }

  /** The edges of a cheapest path with capacity left, or undefined when there is none. */
  #shortestPath(source: number, sink: number): number[] | undefined {
    const nodes = this.#edgesFrom.length;
    const distance = new Array<number>(nodes).fill(Infinity);
    const via = new Array<number>(nodes).fill(-1);
    const queued = new Array<boolean>(nodes).fill(false);
    distance[source] = 0;
    const queue = [source];
    queued[source] = true;
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      queued[node] = false;
      for (const edge of this.#edgesFrom[node]) {
        if (this.#capacity[edge] === 0) continue;
        const next = this.#to[edge];
        const d = distance[node] + this.#cost[edge];
        if (d < distance[next]) {
          distance[next] = d;
          via[next] = edge;
          if (!queued[next]) {
            queued[next] = true;
            queue.push(next);
          }
        }
      }
    }
    if (distance[sink] === Infinity) return undefined;
    const path: number[] = [];
    for (let node = sink; node !== source; node = this.#to[via[node] ^ 1]) path.push(via[node]);
    return path.reverse();
  }
}
