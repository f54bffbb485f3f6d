import { relative } from 'node:path';
import { decodeSegment } from '../lake-query/lake-catalog.js';
import { landedFiles, topicFolders } from './lake-files.js';

/**
 * How to run this program again, as the user invoked it: through npm (`npm start`, `npx`) the
 * package's bin resolves as `npx tributary`; otherwise the script path it was started with.
 */
export function selfCommand(): string {
  if (process.env.npm_execpath) return 'npx tributary';
  const script = process.argv[1] ?? 'bin/tributary.js';
  const shown = relative(process.cwd(), script);
  return `node ${shellWord(shown.startsWith('..') ? script : shown)}`;
}

/**
 * The lines printed when the quickstart has stopped: files landed, and per table the command
 * that prints its current state (`tributary lake query`, DuckDB bundled with the npm package).
 */
export function summaryLines(lakeDir: string): string[] {
  const shown = relative(process.cwd(), lakeDir) || '.';
  const files = landedFiles(lakeDir);
  const lines = [`Stopped. ${files.count} Parquet file(s) under ${shown}/.`];
  const topics = topicFolders(lakeDir).map(decodeSegment);
  if (topics.length === 0) return lines;
  const self = selfCommand();
  lines.push('The current state of each table, rebuilt from its change files (DuckDB comes with Tributary; nothing to install):', '');
  for (const topic of topics) lines.push(`  ${self} lake query ${shellWord(shown)} --table ${shellWord(topic)}`);
  const example = topics.find((t) => /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){0,2}$/.test(t));
  lines.push('', 'Any SQL works, each topic being a view of its table\'s current state (add --changes for the change rows)' +
    (example ? `: ${self} lake query ${shellWord(shown)} "SELECT count(*) FROM ${example}"` : '.'));
  return lines;
}

/** A word for a POSIX shell: left bare when safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
