/**
 * Kafka Connect configs carry Java regular expressions and `Matcher.replaceFirst` replacement
 * strings. JavaScript's syntax is close enough for the patterns people write for topic names;
 * the differences that matter are handled here: Java's `matches()` is a whole-string match, a
 * leading `(?i)` sets a flag, `\A` / `\z` / `\Z` anchor, and replacements use `$1`, `${name}` and
 * backslash escapes (JavaScript's `$<name>` and `$$` mean nothing special in Java).
 */

/** Compiles a Java pattern for a whole-string match; throws a SyntaxError with the reason. */
export function compileJavaRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    if (inline[1].includes('x')) throw new SyntaxError('the (?x) comments flag is not supported');
    flags = [...new Set(inline[1])].join('');
    source = source.slice(inline[0].length);
  }
  source = source.replace(/\\\\|\\A|\\[zZ]/g, (m) => (m === '\\\\' ? m : m === '\\A' ? '^' : '$'));
  return new RegExp(`^(?:${source})$`, flags);
}

type Part = string | number | { readonly name: string };

/** A compiled Java replacement string: applies to the match of the regex it was compiled for. */
export type Replacer = (match: RegExpExecArray) => string;

export function compileJavaReplacement(replacement: string, regex: RegExp): Replacer {
  const groupCount = new RegExp(`${regex.source}|`, regex.flags).exec('')!.length - 1;
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c === '\\') {
      if (i + 1 >= replacement.length) throw new SyntaxError('character to be escaped is missing at the end of the replacement');
      literal += replacement[++i];
    } else if (c === '$') {
      if (literal) parts.push(literal);
      literal = '';
      const next = replacement[i + 1];
      if (next === '{') {
        const end = replacement.indexOf('}', i);
        if (end < 0) throw new SyntaxError("named capturing group is missing trailing '}'");
        const name = replacement.slice(i + 2, end);
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new SyntaxError(`invalid group name "${name}"`);
        parts.push({ name });
        i = end;
      } else if (next !== undefined && next >= '0' && next <= '9') {
        // Java reads further digits only while the group number stays within the group count.
        let group = Number(next);
        i++;
        if (group > groupCount) throw new SyntaxError(`no group ${group} in the pattern`);
        while (i + 1 < replacement.length && /\d/.test(replacement[i + 1]) && group * 10 + Number(replacement[i + 1]) <= groupCount) {
          group = group * 10 + Number(replacement[++i]);
        }
        parts.push(group);
      } else {
        throw new SyntaxError('illegal group reference: $ must be followed by a group number or {name} (escape a literal $ as \\$)');
      }
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  return (match) =>
    parts.map((p) => (typeof p === 'string' ? p : typeof p === 'number' ? (match[p] ?? '') : (match.groups?.[p.name] ?? ''))).join('');
}
