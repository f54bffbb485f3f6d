import type { ConnectorStatuses, StatusBackingStore, StatusRecord } from './status-backing-store.js';

/** The standalone status store: one worker writes and reads, so a map is all it takes. */
export class MemoryStatusStore implements StatusBackingStore {
  readonly #statuses = new Map<string, ConnectorStatuses>();

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  putConnector(name: string, status: StatusRecord): void {
    const entry = this.#statuses.get(name);
    if (entry) entry.connector = status;
    else this.#statuses.set(name, { connector: status, tasks: new Map() });
  }

  putTask(name: string, task: number, status: StatusRecord): void {
    let entry = this.#statuses.get(name);
    if (!entry) this.#statuses.set(name, (entry = { connector: { state: 'UNASSIGNED', workerId: status.workerId, generation: status.generation }, tasks: new Map() }));
    entry.tasks.set(task, status);
  }

  removeTask(name: string, task: number): void {
    this.#statuses.get(name)?.tasks.delete(task);
  }

  removeConnector(name: string): void {
    this.#statuses.delete(name);
  }

  get(name: string): ConnectorStatuses | undefined {
    return this.#statuses.get(name);
  }
}
