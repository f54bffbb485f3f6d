import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one:
 * write a temp file, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.tmp`;
  await writeAndSync(temp, content);
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

export async function writeAndSync(path: string, content: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeIfExists(path: string): Promise<void> {
  await rm(path, { force: true });
}
