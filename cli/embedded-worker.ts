import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Herder } from '../runtime/herder/herder.js';
import { startStandalone, type StandaloneOptions, type StandaloneRuntime } from './standalone-worker.js';

export interface EmbeddedOptions {
  /** worker properties; `state.dir` defaults to a new temp folder, REST is off unless `rest` */
  workerProps?: Record<string, string>;
  connectors?: Record<string, string>[];
  /** serve REST on a free loopback port */
  rest?: boolean;
  /** print JSON logs to stderr (default: only when TRIBUTARY_TEST_LOGS is set) */
  logs?: boolean;
  /** another bus than the memory bus */
  bus?: StandaloneOptions['bus'];
  /** where the JSON logs go (a test that reads them); overrides `logs` */
  logDestination?: NodeJS.WritableStream;
}

export interface EmbeddedWorker {
  readonly herder: Herder;
  readonly url: string | undefined;
  readonly runtime: StandaloneRuntime;
  metricsText(): Promise<string>;
  /** one commit cycle now: sinks' preCommit, then source offsets and sink positions written */
  commitNow(): Promise<void>;
  stop(): Promise<void>;
}

/** A standalone worker inside the calling process, for tests, benchmarks and the quickstart. */
export async function startEmbeddedWorker(options: EmbeddedOptions = {}): Promise<EmbeddedWorker> {
  const props: Record<string, string> = {
    'state.dir': mkdtempSync(join(tmpdir(), 'tributary-embedded-')),
    'rest.enabled': String(options.rest ?? false),
    listeners: 'http://127.0.0.1:0',
    ...options.workerProps,
  };
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  const runtime = await startStandalone({
    workerProps: props,
    connectors: options.connectors ?? [],
    logDestination: options.logDestination ?? ((options.logs ?? Boolean(process.env.TRIBUTARY_TEST_LOGS)) ? process.stderr : quiet),
    bus: options.bus,
  });
  return {
    herder: runtime.herder,
    url: runtime.url,
    runtime,
    metricsText: () => runtime.metrics.registry.metrics(),
    commitNow: () => runtime.worker.commitOffsets(),
    stop: () => runtime.stop(),
  };
}
