import type { QueryResult } from './lake-session.js';

export type OutputFormat = 'table' | 'csv' | 'json';

/**
 * A query result as text: `table` aligns columns under a header (at most `maxRows` rows, then
 * a line saying how many were left out), `csv` is RFC 4180 with a header, `json` one object per
 * line. Nested values (structs, lists) are written as JSON; nulls as empty in csv and `NULL` in
 * a table.
 */
export function formatResult(result: QueryResult, format: OutputFormat, maxRows: number): string {
  if (format === 'json') {
    return result.rows.map((row) => JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, row[i]])))).join('\n') + (result.rows.length > 0 ? '\n' : '');
  }
  if (format === 'csv') {
    const field = (v: unknown) => {
      if (v === null || v === undefined) return '';
      const text = cellText(v);
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    };
    return [result.columns.map(field), ...result.rows.map((r) => r.map(field))].map((line) => line.join(',')).join('\n') + '\n';
  }
  const shown = maxRows > 0 ? result.rows.slice(0, maxRows) : result.rows;
  const cells = shown.map((r) => r.map((v) => (v === null || v === undefined ? 'NULL' : cellText(v).replace(/[\r\n\t]/g, ' '))));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = result.columns.map((_c, i) => shown.length > 0 && shown.every((r) => r[i] === null || typeof r[i] === 'number' || (typeof r[i] === 'string' && /^-?\d+(\.\d+)?$/.test(r[i] as string))));
  const line = (values: string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ').trimEnd();
  const out = [line([...result.columns]), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  const hidden = result.rows.length - shown.length;
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${hidden > 0 ? `, ${shown.length} shown; --max-rows 0 shows all` : ''})`);
  return out.join('\n') + '\n';
}

function cellText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
