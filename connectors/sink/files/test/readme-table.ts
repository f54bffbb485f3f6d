import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable, type ConfigSpec } from '../../../../plugins/api/index.js';

const START = '<!-- properties:start -->';
const END = '<!-- properties:end -->';

/** The README with its properties table regenerated from the spec. */
export function readmeWithTable(readmePath: string, spec: ConfigSpec): { current: string; expected: string } {
  const current = readFileSync(readmePath, 'utf8');
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${readmePath} lacks the ${START} / ${END} markers`);
  const expected = current.slice(0, start + START.length) + '\n' + markdownTable(spec) + '\n' + current.slice(end);
  return { current, expected };
}

/** Rewrites the table in place: `node --import tsx connectors/sink/files/test/readme-table.ts` */
export function updateReadme(readmePath: string, spec: ConfigSpec): void {
  writeFileSync(readmePath, readmeWithTable(readmePath, spec).expected);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { filesSinkSpec } = await import('../files-sink-config.js');
  const { dlqSinkSpec } = await import('../../dlq/dlq-sink-config.js');
  updateReadme(new URL('../README.md', import.meta.url).pathname, filesSinkSpec);
  updateReadme(new URL('../../dlq/README.md', import.meta.url).pathname, dlqSinkSpec);
}
