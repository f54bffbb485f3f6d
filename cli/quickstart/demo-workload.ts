import pg from 'pg';
import type { DatabaseConnection } from './embedded-database.js';

/** The demo schema: money as numeric, times as timestamptz, documents as jsonb, ids as uuid. */
export async function createDemoSchema(connection: DatabaseConnection): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS customers (
        id serial PRIMARY KEY,
        name text NOT NULL,
        email text NOT NULL,
        external_id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        preferences jsonb NOT NULL DEFAULT '{}'
      );
      CREATE TABLE IF NOT EXISTS orders (
        id bigserial PRIMARY KEY,
        customer_id integer NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        amount numeric(12, 2) NOT NULL,
        status text NOT NULL,
        order_ref uuid NOT NULL DEFAULT gen_random_uuid(),
        placed_at timestamptz NOT NULL DEFAULT now(),
        details jsonb NOT NULL DEFAULT '{}'
      );
      INSERT INTO customers (name, email, preferences)
      SELECT 'customer ' || g, 'customer' || g || '@example.com', jsonb_build_object('newsletter', g % 2 = 0)
      FROM generate_series(1, 50) g
      WHERE NOT EXISTS (SELECT 1 FROM customers);
    `);
  } finally {
    await client.end();
  }
}

const STATUSES = ['new', 'paid', 'shipped', 'delivered'];

/**
 * A steady mix of changes: new orders, status updates, occasional deletes and new customers,
 * `rate` statements a second, until stopped.
 */
export function startDemoWorkload(connection: DatabaseConnection, rate: number): { stop(): Promise<void>; statements(): number } {
  const pool = new pg.Pool({ ...connection, max: 2 });
  // An idle connection the server ends (it is shutting down) must not crash the process.
  pool.on('error', () => {});
  let running = true;
  let count = 0;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        await pool.query(pickStatement(count));
        count++;
      } catch {
        // a conflicting delete or a restart of the database: the next statement goes on
      }
      const wait = 1000 / rate - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    statements: () => count,
    stop: async () => {
      running = false;
      await loop;
      await pool.end();
    },
  };
}

function pickStatement(n: number): string {
  const roll = n % 20;
  if (roll < 10) {
    return `INSERT INTO orders (customer_id, amount, status, details)
            SELECT id, round((random() * 500)::numeric, 2), 'new', jsonb_build_object('items', 1 + (random() * 4)::int, 'gift', random() < 0.1)
            FROM customers ORDER BY random() LIMIT 1`;
  }
  if (roll < 17) {
    return `UPDATE orders SET status = (ARRAY['${STATUSES.join("','")}'])[1 + (random() * 3)::int], amount = amount + 1
            WHERE id = (SELECT id FROM orders ORDER BY random() LIMIT 1)`;
  }
  if (roll < 19) return `DELETE FROM orders WHERE id = (SELECT id FROM orders ORDER BY random() LIMIT 1)`;
  return `INSERT INTO customers (name, email) VALUES ('customer ${Date.now()}', 'c${Date.now()}@example.com')`;
}
