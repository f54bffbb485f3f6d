import { access, constants, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { StoreSettings } from './storage-factory.js';

/**
 * The files and dlq sinks' `validate`: problems with the store that are certain (a local path
 * that cannot be created, a bucket that does not exist or refuses these credentials), reported
 * at config/validate and before start. An unreachable S3 endpoint is not reported: it may be a
 * passing outage, which the task's retries ride out.
 */
export async function checkStore(settings: StoreSettings): Promise<Record<string, string[]>> {
  const url = settings['store.url'];
  if (url?.startsWith('file://')) {
    const problem = await localProblem(fileURLToPath(url));
    return problem ? { 'store.url': [problem] } : {};
  }
  const bucket = url?.startsWith('s3://') ? url.slice(5).split('/')[0] : settings['s3.bucket.name'];
  if (!bucket) return {};
  const client = new S3Client({
    region: settings['s3.region'],
    endpoint: settings['s3.endpoint'],
    forcePathStyle: settings['s3.path.style.access'] ?? settings['s3.endpoint'] !== undefined,
    maxAttempts: 1,
    ...(settings['aws.access.key.id'] ? { credentials: { accessKeyId: settings['aws.access.key.id'], secretAccessKey: settings['aws.secret.access.key'] ?? '' } } : {}),
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(5000) });
    return {};
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const key = url ? 'store.url' : 's3.bucket.name';
    if (status === 404) return { [key]: [`Bucket ${bucket} does not exist; create it first.`] };
    if (status === 403) return { [key]: [`Access to bucket ${bucket} is denied with these credentials.`] };
    return {};
  } finally {
    client.destroy();
  }
}

/** Walks up to the nearest existing ancestor, which must be a writable directory. */
async function localProblem(path: string): Promise<string | undefined> {
  let current = path;
  for (;;) {
    try {
      const st = await stat(current);
      if (!st.isDirectory()) return `${current} exists and is not a directory.`;
      await access(current, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EACCES' || code === 'EPERM') return `${current} is not writable by the worker.`;
      if (code !== 'ENOENT') return `${current}: ${(error as Error).message}`;
      const parent = dirname(current);
      if (parent === current) return `No existing directory above ${path}.`;
      current = parent;
    }
  }
}
