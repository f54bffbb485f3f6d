/**
 * Summarises a V8 .cpuprofile (node --cpu-prof; bench/postgres-to-parquet.ts writes them with
 * CPU_PROF=<dir>): self time per stage of the path (by source folder), and the top functions.
 * Only the main thread is in such a profile; worker threads write profiles of their own.
 *
 * usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Profile;
const top = Number(process.argv[3] ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** the stage a function belongs to, from its file */
function stage(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)') return fn;
  const rules: [RegExp, string][] = [
    [/connectors\/source\/postgres\//, 'postgres source'],
    [/plugins\/toolkit\/|plugins\/api\//, 'plugin api / cdc toolkit'],
    [/runtime\/bus\//, 'bus'],
    [/runtime\//, 'runtime (other)'],
    [/connectors\/sink\/files\/format\//, 'files sink: format writers'],
    [/connectors\/sink\/files\//, 'files sink: task, writer, shaper'],
    [/hyparquet-writer/, 'hyparquet-writer (encode + compress)'],
    [/node_modules\/pg-logical-replication|node_modules\/pg\b|node_modules\/pg-protocol/, 'pg client / protocol'],
    [/node_modules\/pino|node_modules\/prom-client/, 'logging / metrics'],
    [/^node:|^internal\//, 'node core'],
    [/node_modules\//, 'other packages'],
  ];
  for (const [re, name] of rules) if (re.test(url)) return name;
  return url === '' ? '(native / builtins)' : 'other';
}

const stages = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const s = stage(url, functionName);
  stages.set(s, (stages.get(s) ?? 0) + us);
  const k = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
  fns.set(k, (fns.get(k) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`profile: ${(total / 1e6).toFixed(2)} s sampled`);
for (const [s, us] of [...stages].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${(us / 1e6).toFixed(2).padStart(6)} s  ${s}`);
console.log('top functions (self time):');
for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
