import { z } from 'zod';

/**
 * Debezium's signals, as a row of the signal table (`signal.data.collection`: columns id, type,
 * data) or a REST request carries them: `execute-snapshot`, `stop-snapshot`, `pause-snapshot`,
 * `resume-snapshot` and `log`. `data` is JSON text in the table and an object over REST.
 */
export type Signal =
  | { readonly id: string; readonly type: 'execute-snapshot'; readonly snapshotType: 'incremental' | 'blocking'; readonly collections: readonly string[]; readonly conditions: ReadonlyMap<string, string> }
  | { readonly id: string; readonly type: 'stop-snapshot'; readonly collections: readonly string[] }
  | { readonly id: string; readonly type: 'pause-snapshot' | 'resume-snapshot' }
  | { readonly id: string; readonly type: 'log'; readonly message: string };

export const SIGNAL_TYPES = ['execute-snapshot', 'stop-snapshot', 'pause-snapshot', 'resume-snapshot', 'log'] as const;

const collections = z.array(z.string().min(1)).min(1);
const executeData = z.object({
  'data-collections': collections,
  type: z.string().transform((t) => t.toLowerCase()).pipe(z.enum(['incremental', 'blocking'])).default('incremental'),
  'additional-conditions': z.array(z.object({ 'data-collection': z.string().min(1), filter: z.string().min(1) })).default([]),
  // Debezium 1.x: one condition for every collection
  'additional-condition': z.string().min(1).optional(),
});
const stopData = z.object({ 'data-collections': collections.optional(), type: z.string().optional() });
const logData = z.object({ message: z.string() });

/** A signal that cannot be understood: the message says what is wrong with it. */
export class InvalidSignal extends Error {}

/** Parses one signal; `data` as JSON text (the table's column) or already an object (REST). */
export function parseSignal(id: string, type: string, data: unknown): Signal {
  let body: unknown = data;
  if (typeof data === 'string') {
    try {
      body = data.trim() === '' ? {} : JSON.parse(data);
    } catch (error) {
      throw new InvalidSignal(`signal ${id} (${type}): data is not JSON: ${(error as Error).message}`);
    }
  }
  body ??= {};
  const parsed = (schema: z.ZodTypeAny) => {
    const result = schema.safeParse(body);
    if (!result.success) throw new InvalidSignal(`signal ${id} (${type}): ${result.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ')}`);
    return result.data;
  };
  switch (type) {
    case 'execute-snapshot': {
      const d = parsed(executeData) as z.infer<typeof executeData>;
      const conditions = new Map<string, string>();
      if (d['additional-condition']) for (const c of d['data-collections']) conditions.set(c, d['additional-condition']);
      for (const c of d['additional-conditions']) conditions.set(c['data-collection'], c.filter);
      return { id, type, snapshotType: d.type, collections: d['data-collections'], conditions };
    }
    case 'stop-snapshot': {
      const d = parsed(stopData) as z.infer<typeof stopData>;
      return { id, type, collections: d['data-collections'] ?? [] };
    }
    case 'pause-snapshot':
    case 'resume-snapshot':
      return { id, type };
    case 'log':
      return { id, type, message: (parsed(logData) as z.infer<typeof logData>).message };
    default:
      throw new InvalidSignal(`signal ${id}: unknown type ${JSON.stringify(type)} (known: ${SIGNAL_TYPES.join(', ')})`);
  }
}
