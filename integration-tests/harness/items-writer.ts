import mysql from 'mysql2/promise';
import pg from 'pg';

/** A running writer: how many changes it made, and how to stop it (resolves once its last statement is done). */
export interface ItemsWriter {
  readonly changes: number;
  stop(): Promise<void>;
}

interface Statements {
  readonly delete: string;
  readonly update: string;
  /** an insert that adds 100 to `v` when the key exists */
  readonly upsert: string;
}

interface Client {
  query(sql: string, params: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

/**
 * The concurrent writer of the snapshot tests on a table `items (id int primary key, v int, note
 * text)` of `rows` rows: until stopped, updates (v + 1) and deletes random keys and inserts or
 * bumps others, some beyond the table's largest key, `pauseMs` apart — inside and outside the
 * chunk a snapshot is reading, so a test can check that streamed values win.
 */
function startItemsWriter(open: () => Promise<Client>, sql: Statements, rows: number, pauseMs: number): ItemsWriter {
  let writing = true;
  let changes = 0;
  const done = (async () => {
    const client = await open();
    try {
      for (let i = 1; writing; i++) {
        const id = 1 + Math.floor(Math.random() * rows);
        await client.query(i % 5 === 0 ? sql.delete : sql.update, [id]);
        changes++;
        if (i % 3 === 0) {
          await client.query(sql.upsert, [id % 7 === 0 ? rows + i : id]);
          changes++;
        }
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    } finally {
      await client.end();
    }
  })();
  return { get changes() { return changes; }, stop: async () => { writing = false; await done; } };
}

export function postgresItemsWriter(connection: pg.ClientConfig, rows: number, pauseMs: number): ItemsWriter {
  return startItemsWriter(async () => {
    const client = new pg.Client(connection);
    await client.connect();
    return client;
  }, {
    delete: 'DELETE FROM items WHERE id = $1',
    update: 'UPDATE items SET v = v + 1 WHERE id = $1',
    upsert: "INSERT INTO items VALUES ($1, 1, 'new') ON CONFLICT (id) DO UPDATE SET v = items.v + 100",
  }, rows, pauseMs);
}

export function mysqlItemsWriter(connection: mysql.ConnectionOptions, rows: number, pauseMs: number): ItemsWriter {
  return startItemsWriter(() => mysql.createConnection(connection), {
    delete: 'DELETE FROM items WHERE id = ?',
    update: 'UPDATE items SET v = v + 1 WHERE id = ?',
    upsert: "INSERT INTO items VALUES (?, 1, 'new') ON DUPLICATE KEY UPDATE v = v + 100",
  }, rows, pauseMs);
}
