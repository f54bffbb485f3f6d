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

/** The topic folders under the lake's topics folder, one per captured table (names as on disk). */
export function topicFolders(dir: string): string[] {
  try {
    return readdirSync(join(dir, TOPICS_DIR), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
