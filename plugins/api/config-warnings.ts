import type { ConfigSpec, RawConfig } from './config-spec.js';

/**
 * Warnings about properties a config sets that nothing reads: a typo (`table.include.lst`) or a
 * name from an older release (`table.whitelist`) would otherwise be ignored without a word, and
 * the connector would run with the default — capturing every table. They are warnings, not
 * errors, as in Kafka Connect and Debezium, which ignore unknown properties: a config that was
 * valid stays valid, but `config/validate`, `tributary validate` and the worker log say so.
 */
export interface ConfigWarning {
  /** the property as the config spells it */
  readonly name: string;
  readonly message: string;
  /** the property it was most likely meant to be, or the successor of a renamed one */
  readonly suggestion?: string;
}

/**
 * A warning for each property of `raw` that `spec` neither declares nor accepts, in the order of
 * the config. A renamed property names its successor when the spec knows the successor (a sink
 * given Debezium's `table.whitelist` is not sent to a `table.include.list` it lacks); any other
 * gets the closest known name, if one is close enough to be a typo.
 */
export function unknownPropertyWarnings(spec: ConfigSpec, raw: RawConfig): ConfigWarning[] {
  const declared = Object.keys(spec.properties);
  const accepted = spec.accepted ?? [];
  const knows = (name: string) => Object.hasOwn(spec.properties, name) || isAccepted(accepted, name);
  const warnings: ConfigWarning[] = [];
  for (const name of Object.keys(raw)) {
    if (knows(name)) continue;
    const successor = spec.renamed?.[name];
    if (successor !== undefined && knows(successor)) {
      const both = raw[successor] !== undefined ? ', which this config also sets' : '';
      warnings.push({ name, message: `Property "${name}" is ignored: it was renamed to "${successor}"${both}.`, suggestion: successor });
      continue;
    }
    const suggestion = suggestPropertyName(name, [...declared, ...acceptedCandidates(accepted, name)]);
    warnings.push(suggestion === undefined
      ? { name, message: `Unknown property "${name}" is ignored: neither the connector nor the framework defines it.` }
      : { name, message: `Unknown property "${name}" is ignored; did you mean "${suggestion}"?`, suggestion });
  }
  return warnings;
}

/** An accepted entry ending in "." covers every property under it; any other is one name. */
function isAccepted(accepted: readonly string[], name: string): boolean {
  return accepted.some((a) => (a.endsWith('.') ? name.startsWith(a) && name.length > a.length : name === a));
}

/**
 * Names a misspelt prefix was meant to have: `key.convertor.schemas.enable` is compared with
 * `key.converter.schemas.enable` (the accepted prefix with the rest of the name), which no
 * declared name would match.
 */
function acceptedCandidates(accepted: readonly string[], name: string): string[] {
  const segments = name.split('.');
  return accepted.map((a) => {
    if (!a.endsWith('.')) return a;
    const depth = a.split('.').length - 1;
    return segments.length > depth ? a + segments.slice(depth).join('.') : a.slice(0, -1);
  });
}

/**
 * The known name `name` was most likely meant to be, or undefined when none is close: first one
 * that differs only in case and separators (`table_include_list`, `tableIncludeList`), else the
 * nearest by edit distance within a budget that grows with the length (1 edit up to 4
 * characters, 2 up to 9, 3 beyond) — close enough for typos, too tight for unrelated names.
 * Ties go to the name sharing the longest start, then to the first given.
 */
export function suggestPropertyName(name: string, known: Iterable<string>): string | undefined {
  const candidates = [...new Set(known)].filter((k) => k !== name);
  const squashed = squash(name);
  const same = candidates.find((k) => squash(k) === squashed);
  if (same !== undefined) return same;
  const budget = name.length <= 4 ? 1 : name.length <= 9 ? 2 : 3;
  let best: { name: string; distance: number; shared: number } | undefined;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > budget) continue;
    const distance = editDistance(name, candidate);
    if (distance > budget) continue;
    const shared = sharedStart(name, candidate);
    if (!best || distance < best.distance || (distance === best.distance && shared > best.shared)) best = { name: candidate, distance, shared };
  }
  return best?.name;
}

function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function sharedStart(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbouring
 * characters as one edit (optimal string alignment): `snapshot.mdoe` is one edit from
 * `snapshot.mode`, where plain Levenshtein would count two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
