import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';

/** s3rver's fixed credentials: it checks signatures against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly dataDir: string;
  /** a client for the server (path-style) */
  readonly client: S3Client;
  /** the files sink properties that point at this server */
  sinkProperties(bucket: string, prefix?: string): Record<string, string>;
  createBucket(name: string): Promise<void>;
  /** committed object keys under a prefix, sorted */
  list(bucket: string, prefix?: string): Promise<string[]>;
  /** copies every object under a prefix into `dest`, keeping key paths, for DuckDB to read locally */
  download(bucket: string, prefix: string, dest: string): Promise<string[]>;
  /** bytes of multipart parts received for uploads not yet completed (read from s3rver's directory) */
  pendingUploadBytes(bucket: string): number;
  /** kills the server process (SIGKILL), as an outage would */
  kill(): Promise<void>;
  /** starts it again on the same port and data directory */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver (npm) in a child node process on a free loopback port with a private data
 * directory. It runs with `--openssl-legacy-provider`: without it s3rver answers truncated
 * ListObjectsV2 pages with 500 (see DEPENDENCIES.md). A child process, not an in-process server,
 * so a test can kill it for an outage and restart it on the same port.
 */
export async function startS3Server(): Promise<S3Server> {
  const dir = tempDir('s3rver');
  const port = await freePort();
  const bin = join(dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, ['--openssl-legacy-provider', bin, '-d', dir.path, '-a', '127.0.0.1', '-p', String(port), '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    await waitForPort(port, 20_000);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  const list = async (bucket: string, prefix = ''): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  };
  return {
    endpoint,
    port,
    dataDir: dir.path,
    client,
    sinkProperties: (bucket, prefix = '') => ({
      'store.url': `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      's3.endpoint': endpoint,
      's3.region': 'us-east-1',
      'aws.access.key.id': S3RVER_CREDENTIALS.accessKeyId,
      'aws.secret.access.key': S3RVER_CREDENTIALS.secretAccessKey,
    }),
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    list,
    download: async (bucket, prefix, dest) => {
      const keys = await list(bucket, prefix);
      for (const key of keys) {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const target = join(dest, ...key.split('/'));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await object.Body!.transformToByteArray());
      }
      return keys;
    },
    pendingUploadBytes: (bucket) => directorySize(join(dir.path, bucket, '._S3rver_uploads')),
    kill,
    restart: launch,
    stop: async () => {
      client.destroy();
      await kill();
      dir.remove();
    },
  };
}

function directorySize(path: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = join(path, name);
    try {
      const st = statSync(p);
      total += st.isDirectory() ? directorySize(p) : st.size;
    } catch {
      // completed or aborted meanwhile
    }
  }
  return total;
}
