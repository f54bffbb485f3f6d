/**
 * Java `.properties` parsing, as Kafka Connect's files use it: `key=value`, `key: value` or
 * `key value`; `#` and `!` comments; a trailing backslash continues a line; `\t \n \r \uXXXX`
 * escapes; whitespace around the key and before the value is dropped.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].replace(/^\s+/, '');
    // A continuation on the last line continues into nothing, as Java's Properties reads it.
    if (endsWithContinuation(line)) line = line.slice(0, -1);
    const { key, value } = splitKeyValue(line);
    out[unescape(key)] = unescape(value);
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  let slashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}

function splitKeyValue(line: string): { key: string; value: string } {
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\') { i++; continue; }
    if (ch === '=' || ch === ':' || ch === ' ' || ch === '\t') {
      let j = i;
      while (j < line.length && (line[j] === ' ' || line[j] === '\t')) j++;
      if ((ch === ' ' || ch === '\t') && (line[j] === '=' || line[j] === ':')) j++;
      else if (ch === '=' || ch === ':') j = i + 1;
      while (j < line.length && (line[j] === ' ' || line[j] === '\t')) j++;
      return { key: line.slice(0, i), value: line.slice(j) };
    }
  }
  return { key: line, value: '' };
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.startsWith('u') && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}
