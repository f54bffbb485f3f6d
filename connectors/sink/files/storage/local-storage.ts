import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { OutputFile, Storage } from './storage.js';
import { withRetries, type RetryPolicy } from './retry-policy.js';

/** Temp files live apart from the data so a reader globbing `topics/**` never meets one. */
export const TEMP_DIR = '.tributary-tmp';

/**
 * Local-disk storage. A file is written under `<root>/.tributary-tmp/<owner>/`, fsynced, then
 * renamed into place and the directory fsynced, so a crash leaves either the whole file or none.
 * `owner` names the connector task: its temp folder is wiped at start, which removes what a
 * killed run left behind without touching other tasks' work.
 */
export class LocalStorage implements Storage {
  readonly url: string;
  readonly #root: string;
  readonly #tempDir: string;
  readonly #retry: RetryPolicy;

  constructor(root: string, owner: string, retry: RetryPolicy) {
    this.#root = root;
    this.url = `file://${root}`;
    this.#tempDir = join(root, TEMP_DIR, owner.replace(/[^A-Za-z0-9._-]/g, '_'));
    this.#retry = retry;
  }

  async start(): Promise<void> {
    await rm(this.#tempDir, { recursive: true, force: true });
    await mkdir(this.#tempDir, { recursive: true });
  }

  async create(path: string): Promise<OutputFile> {
    const finalPath = join(this.#root, ...path.split('/'));
    const tempPath = join(this.#tempDir, `${randomBytes(8).toString('hex')}.tmp`);
    const handle = await withRetries(`create ${tempPath}`, this.#retry, async () => {
      await mkdir(this.#tempDir, { recursive: true });
      return open(tempPath, 'w');
    });
    return new LocalOutputFile(path, finalPath, tempPath, handle, this.#retry);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== TEMP_DIR) await walk(p);
        } else {
          out.push(relative(this.#root, p).split(sep).join('/'));
        }
      }
    };
    await walk(this.#root);
    return out.filter((p) => p.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {}
}

class LocalOutputFile implements OutputFile {
  bytesWritten = 0;
  readonly #finalPath: string;
  readonly #tempPath: string;
  readonly #handle: FileHandle;
  readonly #retry: RetryPolicy;
  #closed = false;

  constructor(readonly path: string, finalPath: string, tempPath: string, handle: FileHandle, retry: RetryPolicy) {
    this.#finalPath = finalPath;
    this.#tempPath = tempPath;
    this.#handle = handle;
    this.#retry = retry;
  }

  async write(chunk: Uint8Array): Promise<void> {
    // A short write would corrupt the file silently, so write at an explicit position and loop.
    let done = 0;
    while (done < chunk.length) {
      const position = this.bytesWritten + done;
      const slice = chunk.subarray(done);
      const { bytesWritten } = await withRetries(`write ${this.path}`, this.#retry, () => this.#handle.write(slice, 0, slice.length, position));
      done += bytesWritten;
    }
    this.bytesWritten += chunk.length;
  }

  async commit(): Promise<void> {
    await withRetries(`fsync ${this.path}`, this.#retry, () => this.#handle.sync());
    await this.#handle.close();
    this.#closed = true;
    await withRetries(`rename ${this.path}`, this.#retry, async () => {
      await mkdir(dirname(this.#finalPath), { recursive: true });
      await rename(this.#tempPath, this.#finalPath);
    });
    await fsyncDir(dirname(this.#finalPath));
  }

  async abort(): Promise<void> {
    if (!this.#closed) await this.#handle.close().catch(() => undefined);
    this.#closed = true;
    await rm(this.#tempPath, { force: true }).catch(() => undefined);
  }
}

/** Makes the rename itself durable; some file systems refuse to open a directory, which is fine. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort: the data file itself is already fsynced
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
