/**
 * What a sink has durably written of one source's records in one topic, as an exclusive bound:
 * every record whose position sorts below the bound is durable, the others are not.
 *
 * An exclusive bound can say both things a sink may know: "the record at position X is the first
 * not yet durable" (the first record of its oldest open file) is the bound X itself, and
 * "everything up to and including position P is durable" is the bound just above P, `P + '\0'`
 * (no string sorts between P and P + '\0'). Replays compare each record once: `position < bound`.
 *
 * Users see and give positions (REST offsets of a sink connector) in the inclusive form where one
 * exists: `{position}` for "up to and including", `{next_position}` for "everything before".
 */
export type DurableBound = string;

const SUCCESSOR = '\u0000';

/** The bound covering `position` and everything before it. */
export function boundThrough(position: string): DurableBound {
  return position + SUCCESSOR;
}

/** The bound covering everything before `position`, not `position` itself. */
export function boundBefore(position: string): DurableBound {
  return position;
}

export function isCovered(position: string, bound: DurableBound | undefined): boolean {
  return bound !== undefined && position < bound;
}

/** The REST form of a bound: `{position}` (inclusive) when it has one, else `{next_position}`. */
export function boundToOffset(bound: DurableBound): { position: string } | { next_position: string } {
  return bound.endsWith(SUCCESSOR) ? { position: bound.slice(0, -1) } : { next_position: bound };
}

/** Reads a REST offset of a sink connector; undefined when it is neither form. */
export function boundFromOffset(offset: Record<string, unknown>): DurableBound | undefined {
  const keys = Object.keys(offset);
  if (keys.length !== 1) return undefined;
  if (typeof offset.position === 'string') return boundThrough(offset.position);
  if (typeof offset.next_position === 'string') return boundBefore(offset.next_position);
  return undefined;
}
