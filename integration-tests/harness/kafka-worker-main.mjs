#!/usr/bin/env node
// A Tributary worker on the Kafka bus in a process of its own, for benchmarks and tests that
// measure its memory or kill it: `node kafka-worker-main.mjs <spec.json>`, where the spec is
// `{ "bootstrapBrokers": [...], "workerProps": {...}, "connectors": [{...}] }`. It prints one JSON
// line `{"ready": true, "url": ..., "code": "compiled" | "source"}` on stdout once started, and
// stops cleanly on SIGTERM.
//
// Plain JavaScript, so that the process holds what a user's `tributary` process holds: the
// compiled dist/ when it is up to date (as bin/tributary.js chooses), else the TypeScript sources
// through tsx — which costs some 40 MB of RSS more, so the ready line says which ran.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

// the young-generation size bin/tributary.js gives the CLI
if (!/max-semi-space-size/.test(process.env.NODE_OPTIONS ?? '')) v8.setFlagsFromString('--max-semi-space-size=32');

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiledMain = join(root, 'dist', 'cli', 'main.js');
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
const compiled = existsSync(compiledMain) && ['cli', 'runtime', 'plugins', 'connectors', 'rest'].every((d) => newestSource(join(root, d)) <= statSync(compiledMain).mtimeMs);
const load = async (path) => {
  if (compiled) return import(pathToFileURL(join(root, 'dist', `${path}.js`)).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(root, `${path}.ts`)).href);
};

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { startStandalone } = await load('cli/standalone-worker');
const { KafkaBus } = await load('runtime/bus/kafka/kafka-bus');
const logs = spec.logs ? process.stderr : new Writable({ write: (_chunk, _enc, done) => done() });
const runtime = await startStandalone({
  workerProps: { 'rest.enabled': 'true', listeners: 'http://127.0.0.1:0', ...spec.workerProps },
  connectors: spec.connectors ?? [],
  logDestination: logs,
  bus: (_config, registry) => new KafkaBus({ bootstrapBrokers: spec.bootstrapBrokers, clientId: spec.clientId ?? 'tributary-worker', worker: spec.workerProps, logger: registry.get('runtime.bus') }),
});
process.stdout.write(`${JSON.stringify({ ready: true, url: runtime.url, code: compiled ? 'compiled' : 'source' })}\n`);
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void runtime.stop().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
});
