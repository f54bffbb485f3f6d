/**
 * A JSON parser that keeps numbers as their text. `JSON.parse` turns 9007199254740993 into
 * 9007199254740992 and 12.50 into 12.5; Kafka Connect's JSON carries int64 and decimals that
 * must survive exactly, so the schema-guided reader decides what each number becomes.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  get isInteger(): boolean {
    return !/[.eE]/.test(this.text);
  }
}

export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | { [key: string]: JsonNode };

/**
 * A parsed top-level object whose member `skipped` was stepped over rather than parsed: its text
 * is in `skippedText`, so a caller can look it up in a cache before paying for a parse.
 */
export interface ParsedObject {
  readonly members: Record<string, JsonNode>;
  readonly skippedText: string | undefined;
}


class Parser {
  pos = 0;
  skippedText: string | undefined;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.pos} of the JSON text`);
  }

  skipWhitespace(): void {
    const text = this.text;
    let c = text.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.pos);
  }

  /** Steps over one value without building it (brackets and strings are matched, not checked). */
  skipValue(): void {
    this.skipWhitespace();
    const text = this.text;
    const first = text.charCodeAt(this.pos);
    if (first !== 0x7b && first !== 0x5b) {
      this.value();
      return;
    }
    let depth = 0;
    let i = this.pos;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        for (i++; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22) break;
        }
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
      } else if ((c === 0x7d || c === 0x5d) && --depth === 0) {
        this.pos = i + 1;
        return;
      }
    }
    this.pos = i;
    this.fail('unexpected end');
  }

  value(): JsonNode {
    this.skipWhitespace();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(null);
      case '[': {
        this.pos++;
        const out: JsonNode[] = [];
        this.skipWhitespace();
        if (this.text[this.pos] === ']') { this.pos++; return out; }
        for (;;) {
          out.push(this.value());
          this.skipWhitespace();
          const sep = this.text[this.pos++];
          if (sep === ']') return out;
          if (sep !== ',') this.fail("expected ',' or ']'");
        }
      }
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default: {
        const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
        m.lastIndex = this.pos;
        const found = m.exec(this.text);
        if (found === null || found[0] === '' || found[0] === '-') this.fail(c === undefined ? 'unexpected end' : `unexpected character '${c}'`);
        this.pos += found[0].length;
        return new JsonNumber(found[0]);
      }
    }
  }

  /** Parses an object; a member named `skipMember` is stepped over and its text kept in `skippedText`. */
  object(skipMember: string | null): Record<string, JsonNode> {
    this.pos++;
    const out: Record<string, JsonNode> = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') { this.pos++; return out; }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a member name');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos++] !== ':') this.fail("expected ':'");
      this.skipWhitespace();
      const start = this.pos;
      if (key === skipMember) {
        this.skipValue();
        this.skippedText = this.text.slice(start, this.pos);
      } else {
        const value = this.value();
        // A member named __proto__ must stay data, not replace the object's prototype.
        if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
      this.skipWhitespace();
      const sep = this.text[this.pos++];
      if (sep === '}') return out;
      if (sep !== ',') this.fail("expected ',' or '}'");
    }
  }

  string(): string {
    const start = this.pos + 1;
    const end = this.text.indexOf('"', start);
    if (end < 0) this.fail('unterminated string');
    let escaped = false;
    for (let i = start; i < end; i++) {
      if (this.text.charCodeAt(i) === 0x5c) {
        escaped = true;
        break;
      }
    }
    if (!escaped) {
      this.pos = end + 1;
      return this.text.slice(start, end);
    }
    // Escapes: find the real closing quote, then let JSON.parse decode the string exactly.
    let i = start;
    for (;;) {
      const ch = this.text[i];
      if (ch === undefined) this.fail('unterminated string');
      if (ch === '\\') i += 2;
      else if (ch === '"') break;
      else i++;
    }
    this.pos = i + 1;
    return JSON.parse(this.text.slice(start - 1, i + 1)) as string;
  }

  literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected text`);
    this.pos += word.length;
    return value;
  }

  end(): void {
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the JSON value');
  }
}

export function parseExactJson(text: string): JsonNode {
  const parser = new Parser(text);
  const value = parser.value();
  parser.end();
  return value;
}

/** Parses text expected to be an object, stepping over member `skipped`; null when it is not an object. */
export function parseExactJsonObject(text: string, skipped: string): ParsedObject | null {
  const parser = new Parser(text);
  parser.skipWhitespace();
  if (text[parser.pos] !== '{') return null;
  const members = parser.object(skipped);
  parser.end();
  return { members, skippedText: parser.skippedText };
}

export function isJsonObject(node: JsonNode): node is { [key: string]: JsonNode } {
  return node !== null && typeof node === 'object' && !Array.isArray(node) && !(node instanceof JsonNumber);
}
