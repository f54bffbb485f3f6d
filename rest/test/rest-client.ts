import assert from 'node:assert/strict';

export interface RestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** the parsed body, or undefined when it is empty or not JSON; tests check it field by field */
  body: any;
}

export interface CallOptions {
  /** sent as is instead of JSON.stringify(body) */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** A small fetch wrapper for the contract tests: real HTTP, every answer read to the end. */
export class RestClient {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, headers: Record<string, string> = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#headers = headers;
  }

  async call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<RestResponse> {
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const headers: Record<string, string> = { ...this.#headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  get(path: string, options?: CallOptions) {
    return this.call('GET', path, undefined, options);
  }
  post(path: string, body?: unknown, options?: CallOptions) {
    return this.call('POST', path, body, options);
  }
  put(path: string, body?: unknown, options?: CallOptions) {
    return this.call('PUT', path, body, options);
  }
  patch(path: string, body?: unknown, options?: CallOptions) {
    return this.call('PATCH', path, body, options);
  }
  delete(path: string, options?: CallOptions) {
    return this.call('DELETE', path, undefined, options);
  }

  /** Polls until `probe` returns a value (state changes are asynchronous), up to `timeoutMs`. */
  async waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last ? `: ${String(last)}` : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the connector (and, unless STOPPED, at least one task) reports `state`. */
  async waitForState(name: string, state: string, timeoutMs = 10_000): Promise<any> {
    let seen = '';
    return this.waitFor(() => `connector ${name} to be ${state} (last seen: ${seen || 'nothing'})`, async () => {
      const res = await this.get(`${connectorPath(name)}/status`);
      seen = res.status === 200 ? `${res.body.connector?.state} tasks=${JSON.stringify(res.body.tasks?.map((t: any) => t.state))}` : `HTTP ${res.status}`;
      if (res.status !== 200 || res.body.connector?.state !== state) return undefined;
      const tasks: any[] = res.body.tasks ?? [];
      if (state === 'STOPPED') return res.body;
      return tasks.length > 0 && tasks.every((t) => t.state === state) ? res.body : undefined;
    }, timeoutMs);
  }
}

export function connectorPath(name: string): string {
  return `/connectors/${encodeURIComponent(name)}`;
}

/** Kafka Connect's error body plus our dotted code; never a stack trace. */
export function assertErrorBody(res: RestResponse, status: number, code?: string): void {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(res.body?.error_code, status, res.text);
  assert.equal(typeof res.body?.message, 'string', res.text);
  assert.ok(res.body.message.length > 0);
  assert.equal(typeof res.body?.code, 'string', res.text);
  if (code !== undefined) assert.equal(res.body.code, code, res.text);
  assert.doesNotMatch(res.text, /\n\s+at |\bat [\w.<>]+ \(.*:\d+:\d+\)/, 'no stack trace in a response body');
}
