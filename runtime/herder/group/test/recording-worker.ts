import type { Assignment } from '../connect-protocol.js';
import { workKeys, type ConnectorsAndTasks } from '../connectors-and-tasks.js';
import type { FenceReason, MembershipListener } from '../worker-membership.js';

/**
 * A membership listener that runs nothing but keeps what it would run, for tests of worker groups
 * (unit and integration): each start is checked against every other worker of `all`, and a
 * connector or task started while another worker runs it is recorded in `violations` (a listener
 * that threw would only be logged by the membership).
 */
export class RecordingWorker {
  readonly running = new Set<string>();
  readonly fenced: { reason: FenceReason; at: number }[] = [];
  readonly violations: string[] = [];
  /** every key this worker was told to stop, in order */
  readonly revoked: string[] = [];
  /** how long onAssignment takes (a worker slow to start its tasks) */
  slowStartMs = 0;
  /** called at each fence, e.g. to look at the coordinator right then */
  onFence: (() => void) | undefined;

  constructor(readonly name: string, private readonly all: RecordingWorker[]) {
    all.push(this);
  }

  readonly listener: MembershipListener = {
    onAssignment: async (assignment: Assignment) => {
      if (this.slowStartMs) await new Promise((r) => setTimeout(r, this.slowStartMs));
      const assigned = new Set(workKeys(assignment.assigned));
      for (const key of assigned) {
        const other = this.all.find((w) => w !== this && w.running.has(key));
        if (other) this.violations.push(`${key} started on ${this.name} while ${other.name} runs it`);
        this.running.add(key);
      }
      for (const key of [...this.running]) if (!assigned.has(key)) this.running.delete(key);
    },
    onRevoked: (revoked: ConnectorsAndTasks) => {
      for (const key of workKeys(revoked)) {
        this.running.delete(key);
        this.revoked.push(key);
      }
    },
    onFenced: (reason) => {
      this.fenced.push({ reason, at: Date.now() });
      this.running.clear();
      this.onFence?.();
    },
  };
}

/** every key the workers run, sorted (a key run twice appears twice) */
export function runningOn(workers: readonly RecordingWorker[]): string[] {
  return workers.flatMap((w) => [...w.running]).sort();
}

/** `expected` runs exactly once over `workers`, each running within one of the others' count */
export function balancedOver(workers: readonly RecordingWorker[], expected: readonly string[]): boolean {
  const counts = workers.map((w) => w.running.size);
  return JSON.stringify(runningOn(workers)) === JSON.stringify([...expected].sort()) && Math.max(...counts) - Math.min(...counts) <= 1;
}

/** the keys of connectors and their tasks, as the membership names them */
export function workOf(connectors: readonly { name: string; tasks: number }[]): string[] {
  return [...connectors.map((c) => JSON.stringify([c.name])), ...connectors.flatMap((c) => Array.from({ length: c.tasks }, (_, t) => JSON.stringify([c.name, t])))].sort();
}

export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
