export interface TimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Calendar fields and bucket boundaries of instants in an IANA zone, through Intl (no
 * dependency). Results are cached per minute, since a sink formats the same minutes over and over.
 */
export class ZonedClock {
  readonly #format: Intl.DateTimeFormat;
  readonly #cache = new Map<number, TimeParts>();

  constructor(readonly timezone: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  parts(ms: number): TimeParts {
    const minute = Math.floor(ms / 60_000);
    let p = this.#cache.get(minute);
    if (!p) {
      p = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
      for (const part of this.#format.formatToParts(minute * 60_000)) {
        if (part.type in p) (p as unknown as Record<string, number>)[part.type] = Number(part.value);
      }
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(minute, p);
    }
    const second = Math.floor((ms - minute * 60_000) / 1000);
    return second === 0 ? p : { ...p, second };
  }

  /** The zone's offset from UTC at `ms`, in milliseconds. */
  offsetMs(ms: number): number {
    const p = this.parts(ms);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
  }

  /** Floors `ms` to a multiple of `durationMs` counted in local time (days start at local midnight). */
  floor(ms: number, durationMs: number): number {
    const offset = this.offsetMs(ms);
    const local = ms + offset;
    return local - (((local % durationMs) + durationMs) % durationMs) - offset;
  }

  /** The first boundary of `intervalMs` (in local time) strictly after `ms`. */
  nextBoundary(ms: number, intervalMs: number): number {
    return this.floor(ms, intervalMs) + intervalMs;
  }
}
