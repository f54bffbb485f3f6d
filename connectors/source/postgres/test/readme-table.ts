/**
 * Regenerates the properties table of the PostgreSQL source README from the config spec:
 * `node --import tsx connectors/source/postgres/test/readme-table.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from '../../../../plugins/api/index.js';
import { postgresConfigSpec } from '../postgres-config-spec.js';

export const README = new URL('../README.md', import.meta.url).pathname;
const START = '<!-- properties:start -->';
const END = '<!-- properties:end -->';

/** The README as it is, and as it should be with the table generated from the spec. */
export function readmeWithTable(path = README): { current: string; expected: string } {
  const current = readFileSync(path, 'utf8');
  const from = current.indexOf(START);
  const to = current.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} lacks the ${START} / ${END} markers`);
  const expected = current.slice(0, from + START.length) + '\n' + markdownTable(postgresConfigSpec) + '\n' + current.slice(to);
  return { current, expected };
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const { expected } = readmeWithTable();
  writeFileSync(README, expected);
  console.log(`updated ${README}`);
}
