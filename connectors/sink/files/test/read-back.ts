import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type Compressors } from 'hyparquet';

/** Every data file under a local store root (temp folders left out), relative and sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== '.tributary-tmp') walk(p);
      } else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** Rows of a Parquet file, read with hyparquet (an independent reader of what we wrote). */
export async function readParquet(path: string, compressors?: Compressors): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors })) as Record<string, unknown>[];
}

export async function parquetColumnNames(path: string): Promise<string[]> {
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
  return meta.schema.slice(1).filter((e) => e.num_children === undefined || e.num_children === 0 || e.type === undefined).map((e) => e.name);
}

export function readJsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
}
