/**
 * Where finished files go. A file written through `create` stays invisible to readers until
 * `commit` returns (local disk: temp name, fsync, rename; S3: multipart complete), and `abort`
 * leaves nothing behind, so a reader never sees a partial file whatever happens to the worker.
 */
export interface Storage {
  /** e.g. `file:///data/lake` or `s3://bucket/prefix`, for logs */
  readonly url: string;
  /** removes what an earlier run of the same task left half done (temp files, open uploads) */
  start(): Promise<void>;
  /**
   * Opens a file at `path` (relative to the store root, `/`-separated). Writing the same path
   * twice replaces the first file: that is what makes replayed files idempotent.
   */
  create(path: string): Promise<OutputFile>;
  /** committed files under a path prefix, sorted; used by tools and tests */
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface OutputFile {
  readonly path: string;
  /** bytes accepted so far (the final size once committed) */
  readonly bytesWritten: number;
  /**
   * Appends bytes. The promise resolves once the bytes are handed to the store or buffered up to
   * the store's part size; awaiting it is the backpressure that keeps memory bounded.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** makes the file visible, complete; retried inside */
  commit(): Promise<void>;
  /** drops the file; never throws */
  abort(): Promise<void>;
}
