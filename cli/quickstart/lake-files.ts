import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS_DIR } from './pipeline-configs.js';

/** The Parquet files landed under the lake folder (complete files only: temp names are hidden). */
export function landedFiles(dir: string): { count: number; newest?: string } {
  let count = 0;
  let newest: { path: string; mtime: number } | undefined;
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.parquet')) {
        count++;
        const mtime = statSync(path).mtimeMs;
        if (!newest || mtime > newest.mtime) newest = { path, mtime };
      }
    }
  };
  walk(dir);
  return { count, newest: newest?.path };
}

/** The topic folders under the lake's topics folder, one per captured table. */
export function topicFolders(dir: string): string[] {
  try {
    return readdirSync(join(dir, TOPICS_DIR), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/**
 * A DuckDB query giving the current state of one table from its change files: the newest change
 * per key by `__source_pos` (which sorts in commit order), without the deleted keys.
 */
export function latestStateQuery(lakeDir: string, topic: string, keyColumns: string[] = ['id']): string {
  // Plain names stay unquoted so the query pastes into `duckdb -c "..."` without escaping.
  const keys = keyColumns.map((k) => (/^[a-z_][a-z0-9_]*$/.test(k) ? k : `"${k.replace(/"/g, '""')}"`)).join(', ');
  return `SELECT * EXCLUDE (__rn) FROM (SELECT *, row_number() OVER (PARTITION BY ${keys} ORDER BY __source_pos DESC) AS __rn FROM read_parquet('${lakeDir}/${TOPICS_DIR}/${topic}/**/*.parquet', union_by_name = true)) WHERE __rn = 1 AND __op <> 'd' ORDER BY ${keys}`;
}
