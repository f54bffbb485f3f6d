import type { SourceOffset } from '../../plugins/api/index.js';
import { Lsn } from '../../connectors/source/postgres/lsn.js';
import { flushLsnOfOffset } from '../../connectors/source/postgres/positions.js';

/**
 * Watches that a slot's `confirmed_flush_lsn` never passes what the stored offset allows, in the
 * crash tests. The source may confirm beyond its stored offset only over WAL that holds no
 * captured transaction (it confirms the server's position when everything it yielded is
 * acknowledged), so a sample is a violation only if some captured transaction — known at the end,
 * from what landed — committed between the allowed point and the confirmed one: restarting from
 * that confirmation would skip it.
 */
export class SlotWatch {
  readonly #samples: { confirmed: Lsn; allowed: Lsn }[] = [];

  get samples(): number {
    return this.#samples.length;
  }

  /** Call with the slot's position read first, then the offset stored at that moment. */
  sample(confirmed: Lsn, stored: SourceOffset): void {
    const allowed = flushLsnOfOffset(stored);
    if (allowed) this.#samples.push({ confirmed, allowed });
  }

  /**
   * The samples that confirmed past a captured transaction the stored offset did not cover;
   * `commits` are the commit LSNs of every captured transaction (from the landed positions).
   */
  violations(commits: readonly Lsn[]): { confirmed: string; allowed: string; skipped: string }[] {
    const sorted = [...commits].sort((a, b) => a.compare(b));
    const out: { confirmed: string; allowed: string; skipped: string }[] = [];
    for (const s of this.#samples) {
      if (s.confirmed.compare(s.allowed) <= 0) continue;
      const skipped = sorted.find((c) => c.compare(s.allowed) >= 0 && c.compare(s.confirmed) < 0);
      if (skipped) out.push({ confirmed: s.confirmed.toString(), allowed: s.allowed.toString(), skipped: skipped.toString() });
    }
    return out;
  }
}

/** The commit LSN of a streamed record's position (its first 16 hex digits); null for snapshot rows. */
export function commitLsnOfPosition(position: string): Lsn | null {
  // snapshot rows and heartbeats have 16 zeros where a change has its own LSN
  if (position.slice(16, 32) === '0000000000000000') return null;
  return Lsn.of(BigInt(`0x${position.slice(0, 16)}`));
}
