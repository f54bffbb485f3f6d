import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { OutputFile, Storage } from './storage.js';
import { withRetries, type RetryPolicy } from './retry-policy.js';

export interface S3StorageOptions {
  bucket: string;
  /** key prefix without leading or trailing slash ('' for the bucket root) */
  prefix: string;
  region: string;
  endpoint?: string;
  pathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  partSize: number;
  retry: RetryPolicy;
}

/**
 * S3 storage. A file is streamed as a multipart upload, one `s3.part.size` part at a time, so
 * at most one part is held in memory and nothing is staged on local disk; it becomes visible
 * only at CompleteMultipartUpload. A file smaller than one part goes up with a single PUT, which
 * is just as atomic. Incomplete uploads of a killed worker are invisible to readers; an S3
 * lifecycle rule (AbortIncompleteMultipartUpload) reclaims their storage, as for Confluent's sink.
 */
export class S3Storage implements Storage {
  readonly url: string;
  readonly #client: S3Client;
  readonly #options: S3StorageOptions;

  constructor(options: S3StorageOptions) {
    this.#options = options;
    this.url = `s3://${options.bucket}/${options.prefix}`;
    this.#client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.pathStyle,
      // retries are ours (withRetries), counted and bounded by store.retry.*
      maxAttempts: 1,
      ...(options.accessKeyId ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey ?? '' } } : {}),
    });
  }

  async start(): Promise<void> {}

  key(path: string): string {
    return this.#options.prefix ? `${this.#options.prefix}/${path}` : path;
  }

  async create(path: string): Promise<OutputFile> {
    return new S3OutputFile(path, this.key(path), this.#client, this.#options);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await withRetries('list', this.#options.retry, () =>
        this.#client.send(new ListObjectsV2Command({ Bucket: this.#options.bucket, Prefix: this.key(prefix), ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push(this.#options.prefix ? o.Key.slice(this.#options.prefix.length + 1) : o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

class S3OutputFile implements OutputFile {
  bytesWritten = 0;
  readonly #key: string;
  readonly #client: S3Client;
  readonly #options: S3StorageOptions;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #uploadId: string | undefined;
  readonly #parts: CompletedPart[] = [];

  constructor(readonly path: string, key: string, client: S3Client, options: S3StorageOptions) {
    this.#key = key;
    this.#client = client;
    this.#options = options;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    this.bytesWritten += chunk.length;
    if (this.#pendingBytes >= this.#options.partSize) await this.#uploadPart();
  }

  async commit(): Promise<void> {
    const { bucket, retry } = this.#options;
    if (this.#uploadId === undefined) {
      const body = this.#takePending();
      await withRetries(`put s3://${bucket}/${this.#key}`, retry, () =>
        this.#client.send(new PutObjectCommand({ Bucket: bucket, Key: this.#key, Body: body, ContentLength: body.length })),
      );
      return;
    }
    if (this.#pendingBytes > 0 || this.#parts.length === 0) await this.#uploadPart();
    const uploadId = this.#uploadId;
    await withRetries(`complete s3://${bucket}/${this.#key}`, retry, () =>
      this.#client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: this.#key, UploadId: uploadId, MultipartUpload: { Parts: this.#parts } })),
    );
    this.#uploadId = undefined;
  }

  async abort(): Promise<void> {
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#uploadId === undefined) return;
    const uploadId = this.#uploadId;
    this.#uploadId = undefined;
    await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#options.bucket, Key: this.#key, UploadId: uploadId })).catch(() => undefined);
  }

  async #uploadPart(): Promise<void> {
    const { bucket, retry } = this.#options;
    if (this.#uploadId === undefined) {
      const created = await withRetries(`start upload s3://${bucket}/${this.#key}`, retry, () =>
        this.#client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: this.#key })),
      );
      this.#uploadId = created.UploadId;
    }
    const body = this.#takePending();
    const partNumber = this.#parts.length + 1;
    const uploadId = this.#uploadId;
    const result = await withRetries(`upload part ${partNumber} of s3://${bucket}/${this.#key}`, retry, () =>
      this.#client.send(new UploadPartCommand({ Bucket: bucket, Key: this.#key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length })),
    );
    this.#parts.push({ ETag: result.ETag, PartNumber: partNumber });
  }

  #takePending(): Buffer {
    const body = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return body;
  }
}
