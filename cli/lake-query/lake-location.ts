import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TributaryError } from '../../plugins/api/index.js';

export interface S3Settings {
  /** an S3-compatible server (MinIO, s3rver); implies path-style addressing */
  readonly endpoint?: string;
  readonly region?: string;
}

/** A lake made readable on local disk: the folder that holds `<topics.dir>/`. */
export interface LocalLake {
  readonly root: string;
  /** what the user named (a folder or an s3:// URL), for messages */
  readonly shown: string;
  /** removes what was copied (nothing for a local folder) */
  release(): void;
}

/**
 * Opens the lake a files sink wrote: a local folder (its `store.url` path) as it is, or
 * `s3://bucket/prefix`, whose objects under `<prefix>/<topicsDir>/` are copied into a private temp
 * folder first. DuckDB reads S3 only through its httpfs extension, which is downloaded on
 * demand, and no download is possible here, so the copy is the one way that always works.
 * Credentials come from the AWS default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
 * profile, instance role).
 */
export async function openLake(location: string, topicsDir: string, s3: S3Settings = {}): Promise<LocalLake> {
  if (location.startsWith('s3://')) return copyFromS3(location, topicsDir, s3);
  const root = resolve(location.startsWith('file://') ? new URL(location).pathname : location);
  let isFolder = false;
  try {
    isFolder = statSync(root).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) throw new TributaryError('config.invalid', `${location} is not a folder: name the folder the files sink writes to (its store.url), e.g. ./lake, or an s3://bucket/prefix URL.`);
  return { root, shown: location, release: () => {} };
}

async function copyFromS3(url: string, topicsDir: string, settings: S3Settings): Promise<LocalLake> {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
  if (!bucket) throw new TributaryError('config.invalid', `${url} names no bucket: use s3://bucket/prefix.`);
  const client = new S3Client({
    region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
  });
  const root = mkdtempSync(join(tmpdir(), 'tributary-lake-'));
  const release = () => rmSync(root, { recursive: true, force: true });
  const base = [prefix, topicsDir.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/') + '/';
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        const relative = prefix ? object.Key.slice(prefix.length + 1) : object.Key;
        const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const target = join(root, ...relative.split('/'));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await body.Body!.transformToByteArray());
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    release();
    throw new TributaryError('sink.unavailable', `Cannot read ${url}: ${(error as Error).message}. Check the bucket, --s3-endpoint and the AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).`, { cause: error });
  } finally {
    client.destroy();
  }
  return { root, shown: url, release };
}
