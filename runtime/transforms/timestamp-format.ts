/**
 * The subset of Java's SimpleDateFormat that TimestampConverter configs use, always in UTC as
 * Kafka Connect's TimestampConverter does: y (yyyy, yy), M, d, H, m, s, S (milliseconds), Z
 * (+0000), X (Z), text in single quotes ('' is a quote) and any non-letter as itself. Other
 * pattern letters are refused when the format is compiled, so a config naming one fails at POST.
 */
type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number };

const SUPPORTED = 'yMdHmsSZX';

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        tokens.push({ kind: 'literal', text: "'" });
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (; j < pattern.length; j++) {
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") { text += "'"; j++; continue; }
          break;
        }
        text += pattern[j];
      }
      if (j >= pattern.length) throw new SyntaxError(`unterminated quote in format "${pattern}"`);
      tokens.push({ kind: 'literal', text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!SUPPORTED.includes(c)) throw new SyntaxError(`pattern letter '${c}' is not supported (use ${[...SUPPORTED].join(' ')})`);
      let j = i;
      while (pattern[j] === c) j++;
      tokens.push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else {
      tokens.push({ kind: 'literal', text: c });
      i++;
    }
  }
  return tokens;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class TimestampFormat {
  readonly pattern: string;
  readonly #tokens: readonly Token[];
  readonly #parser: RegExp;

  constructor(pattern: string) {
    this.pattern = pattern;
    this.#tokens = tokenize(pattern);
    this.#parser = new RegExp(
      '^' +
        this.#tokens
          .map((t) => {
            if (t.kind === 'literal') return escapeRegex(t.text);
            if (t.letter === 'Z' || t.letter === 'X') return '(Z|[+-]\\d{2}(?::?\\d{2})?)';
            if (t.letter === 'y' && t.count === 2) return '(\\d{2})';
            if (t.letter === 'S') return t.count === 1 ? '(\\d+)' : `(\\d{${t.count}})`;
            return t.count === 1 ? '(\\d{1,2})' : t.letter === 'y' ? '(\\d{4,})' : `(\\d{${t.count}})`;
          })
          .join('') +
        '$',
    );
  }

  /** Formats milliseconds since the epoch, in UTC. */
  format(epochMillis: number): string {
    const d = new Date(epochMillis);
    if (Number.isNaN(d.getTime())) throw new RangeError(`timestamp ${epochMillis} is out of range`);
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    return this.#tokens
      .map((t) => {
        if (t.kind === 'literal') return t.text;
        switch (t.letter) {
          case 'y':
            return t.count === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), t.count);
          case 'M':
            return pad(d.getUTCMonth() + 1, t.count);
          case 'd':
            return pad(d.getUTCDate(), t.count);
          case 'H':
            return pad(d.getUTCHours(), t.count);
          case 'm':
            return pad(d.getUTCMinutes(), t.count);
          case 's':
            return pad(d.getUTCSeconds(), t.count);
          case 'S':
            return pad(d.getUTCMilliseconds(), t.count);
          case 'Z':
            return '+0000';
          default:
            return 'Z';
        }
      })
      .join('');
  }

  /** Parses text in this format to milliseconds since the epoch; null when it does not match. */
  parse(text: string): number | null {
    const m = this.#parser.exec(text);
    if (m === null) return null;
    let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0, offsetMinutes = 0;
    let group = 1;
    for (const t of this.#tokens) {
      if (t.kind === 'literal') continue;
      const g = m[group++];
      const n = Number(g);
      switch (t.letter) {
        case 'y': year = t.count === 2 ? 2000 + n : n; break;
        case 'M': month = n; break;
        case 'd': day = n; break;
        case 'H': hour = n; break;
        case 'm': minute = n; break;
        case 's': second = n; break;
        case 'S': millis = n; break;
        default: offsetMinutes = parseOffset(g);
      }
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
    // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
    const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, millis));
    date.setUTCFullYear(year, month - 1, day);
    return date.getTime() - offsetMinutes * 60_000;
  }
}

function parseOffset(text: string): number {
  if (text === 'Z') return 0;
  const digits = text.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return text[0] === '-' ? -minutes : minutes;
}
