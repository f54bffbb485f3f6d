import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private temporary directory, removed by the returned cleanup unless KEEP_TEST_DIRS is set. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tributary-${prefix}-`));
  return { path, remove: () => { if (!process.env.KEEP_TEST_DIRS) rmSync(path, { recursive: true, force: true }); } };
}
