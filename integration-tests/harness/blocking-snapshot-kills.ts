import { eventually, getJson, type WorkerProcess } from './worker-process.js';

type Progress = { type: string; state: string; snapshot?: { rows: number } } | null;

/** A connector's `GET /connectors/{name}/snapshots` progress. */
export async function snapshotProgress(worker: WorkerProcess, connector: string): Promise<Progress> {
  return (await getJson<{ snapshot: Progress }>(`${worker.url}/connectors/${connector}/snapshots`)).snapshot;
}

/**
 * The kill -9 part of the blocking snapshot tests: up to `times` times, once the running blocking
 * snapshot has read more than `minRows` rows, SIGKILL the worker at a random moment within half a
 * second and start it again (`restart`); stops early when the snapshot is over. Each killed
 * worker's log goes to `logs`. Returns the worker running now and the kills made.
 */
export async function killDuringBlockingSnapshot(worker: WorkerProcess, connector: string, restart: () => Promise<WorkerProcess>, logs: string[], times = 2, minRows = 3_000): Promise<{ worker: WorkerProcess; kills: number }> {
  let kills = 0;
  for (let kill = 1; kill <= times; kill++) {
    const state = await eventually(async () => {
      const p = await snapshotProgress(worker, connector).catch(() => undefined);
      if (p === undefined) return undefined;
      // before the first kill the snapshot has not begun yet; after one it may be over
      if (p === null) return kills === 0 ? undefined : 'done';
      return p.type === 'blocking' && (p.snapshot?.rows ?? 0) > minRows ? 'running' : undefined;
    }, 60_000, `rows read before kill ${kill}`);
    if (state === 'done') break;
    await new Promise((r) => setTimeout(r, Math.random() * 500));
    logs.push(worker.stderr());
    await worker.kill('SIGKILL');
    worker = await restart();
    kills++;
  }
  return { worker, kills };
}
