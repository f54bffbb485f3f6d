import { fileURLToPath } from 'node:url';
import { TributaryError } from '../../../../plugins/api/index.js';
import { LocalStorage } from './local-storage.js';
import type { RetryPolicy } from './retry-policy.js';
import { S3Storage } from './s3-storage.js';
import type { Storage } from './storage.js';

/** The storage properties shared by the files and dlq sinks (see storeProperties). */
export interface StoreSettings {
  'store.url'?: string;
  's3.bucket.name'?: string;
  's3.region': string;
  's3.endpoint'?: string;
  's3.path.style.access'?: boolean;
  'aws.access.key.id'?: string;
  'aws.secret.access.key'?: string;
  's3.part.size': number;
  'store.retry.attempts': number;
  'store.retry.backoff.ms': number;
  'store.retry.backoff.max.ms': number;
}

/**
 * Builds the storage named by `store.url` (file:///path or s3://bucket/prefix) or, as in
 * Confluent's S3 sink, by `s3.bucket.name`. `owner` (connector and task) keeps local temp
 * files of different tasks apart.
 */
export function createStorage(settings: StoreSettings, owner: string, hooks: Pick<RetryPolicy, 'onRetry' | 'onRecovered' | 'signal'>): Storage {
  const retry: RetryPolicy = {
    attempts: settings['store.retry.attempts'],
    initialDelayMs: settings['store.retry.backoff.ms'],
    maxDelayMs: settings['store.retry.backoff.max.ms'],
    ...hooks,
  };
  const url = settings['store.url'];
  if (url?.startsWith('file://')) return new LocalStorage(fileURLToPath(url).replace(/\/+$/, ''), owner, retry);
  let bucket = settings['s3.bucket.name'];
  let prefix = '';
  if (url?.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    bucket = slash < 0 ? rest : rest.slice(0, slash);
    prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  }
  if (!bucket) throw new TributaryError('config.invalid', 'Set store.url (file:///path or s3://bucket/prefix) or s3.bucket.name.', { configPath: 'store.url' });
  const endpoint = settings['s3.endpoint'];
  return new S3Storage({
    bucket,
    prefix,
    region: settings['s3.region'],
    endpoint,
    pathStyle: settings['s3.path.style.access'] ?? endpoint !== undefined,
    accessKeyId: settings['aws.access.key.id'],
    secretAccessKey: settings['aws.secret.access.key'],
    partSize: settings['s3.part.size'],
    retry,
  });
}
