import { TributaryError, type SourceOffset } from '../../../../plugins/api/index.js';

/**
 * Where a Log Proxy stream is: the commit time (seconds, the resolution Log Proxy's
 * `first_start_timestamp` takes) of the last transaction handed on, which transaction of that
 * second it was (`idx`, counted in stream order from 0; -1: none of that second yet, a
 * heartbeat's checkpoint) and how many of its records (`seq`). Resuming asks Log Proxy for
 * everything from `ts` again and drops the replayed part: transactions of earlier seconds, the
 * first `idx` of second `ts`, and the first `seq` records of transaction `idx`. This relies on Log
 * Proxy replaying the transactions of one second in the same order, which its commit-version
 * ordering gives (see the README).
 */
export interface LogProxyPosition {
  readonly ts: number;
  readonly idx: number;
  readonly seq: number;
  readonly tx: string | null;
}

export function encodeLogProxyOffset(p: LogProxyPosition): SourceOffset {
  return { mode: 'logproxy', ts: p.ts, idx: p.idx, seq: p.seq, tx: p.tx };
}

export function decodeLogProxyOffset(offset: SourceOffset | null): LogProxyPosition | null {
  if (!offset) return null;
  if (offset.mode !== 'logproxy' || typeof offset.ts !== 'number' || typeof offset.idx !== 'number' || typeof offset.seq !== 'number') {
    throw new TributaryError('offsets.invalid', `The stored offset ${JSON.stringify(offset)} is not a Log Proxy offset ({mode:"logproxy", ts, idx, seq}); was capture.mode changed? Delete the connector's offsets to start over.`);
  }
  return { ts: offset.ts, idx: offset.idx, seq: offset.seq, tx: typeof offset.tx === 'string' ? offset.tx : null };
}

/** the position string: sorts as (ts, idx, seq) */
export function logProxyPositionText(ts: number, idx: number, seq: number): string {
  if (idx < 0) return String(ts).padStart(12, '0');
  return `${String(ts).padStart(12, '0')}.${String(idx).padStart(8, '0')}.${String(seq).padStart(8, '0')}`;
}

/** Whether a replayed record at (ts, idx, seq) was already handed on before `from`. */
export function alreadyDelivered(from: LogProxyPosition | null, ts: number, idx: number, seq: number): boolean {
  if (!from) return false;
  if (ts !== from.ts) return ts < from.ts;
  if (idx !== from.idx) return idx < from.idx;
  return seq <= from.seq;
}
