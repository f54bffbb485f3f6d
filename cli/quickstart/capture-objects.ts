import { connect, quoteIdent, quoteLiteral } from '../../connectors/source/postgres/pg-connection.js';
import type { CaptureObjects } from './source-preflight.js';

/**
 * What the quickstart leaves on the user's database when it stops, said at exit: the slot keeps
 * WAL on the server until it is read again or dropped, so nobody should be left unaware of it.
 */
export function leftBehindNotice(objects: CaptureObjects, stateDir: string): string[] {
  const statements = [`SELECT pg_drop_replication_slot(${quoteLiteral(objects.slot)});`];
  if (objects.publicationIsOurs) statements.push(`DROP PUBLICATION ${quoteIdent(objects.publication)};`);
  return [
    `On ${objects.where} the quickstart keeps replication slot "${objects.slot}"${objects.publicationIsOurs ? ` and publication "${objects.publication}"` : ''}: the slot makes the server keep WAL until it is read, so the next run resumes where this one stopped, but disk use grows while nothing reads it.`,
    `To remove ${objects.publicationIsOurs ? 'them' : 'it'}, run: ${statements.join(' ')} then delete ${stateDir} (its offsets point into the slot), or run the quickstart once more with --drop-on-exit.`,
  ];
}

/**
 * --drop-on-exit: drops the slot (once the worker has let go of it) and the publication if it
 * is the quickstart's, so nothing is left on the database. Returns what was done, one line each.
 */
export async function dropCaptureObjects(objects: CaptureObjects): Promise<string[]> {
  const client = await connect(objects.settings, 'tributary-quickstart');
  const done: string[] = [];
  try {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await client.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [objects.slot]);
      if (rows.length === 0) break;
      if (!rows[0].active) {
        await client.query('SELECT pg_drop_replication_slot($1)', [objects.slot]);
        done.push(`dropped replication slot "${objects.slot}"`);
        break;
      }
      // a walsender still letting go of the slot after the worker stopped
      if (attempt >= 100) throw new Error(`replication slot "${objects.slot}" is still in use`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (objects.publicationIsOurs) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [objects.publication]);
      if (rowCount) {
        await client.query(`DROP PUBLICATION ${quoteIdent(objects.publication)}`);
        done.push(`dropped publication "${objects.publication}"`);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return done;
}
