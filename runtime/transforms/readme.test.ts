import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { markdownTable } from '../../plugins/api/index.js';
import { builtinTransformRegistry } from './transform-registry.js';

// The property tables in README.md are generated from the config specs; this test fails when
// they drift. `UPDATE_README=1 node scripts/test.mjs --only readme.test` rewrites them.
const readmePath = new URL('./README.md', import.meta.url);

function tableBlocks(readme: string): { name: string; start: number; end: number }[] {
  const blocks: { name: string; start: number; end: number }[] = [];
  const re = /<!-- properties:(\S+) -->\n([\s\S]*?)<!-- \/properties -->/g;
  for (let m = re.exec(readme); m !== null; m = re.exec(readme)) {
    const start = m.index + `<!-- properties:${m[1]} -->\n`.length;
    blocks.push({ name: m[1], start, end: start + m[2].length });
  }
  return blocks;
}

function expectedTable(name: string): string {
  const plugin = builtinTransformRegistry.findTransform(name) ?? builtinTransformRegistry.findPredicate(name);
  assert.ok(plugin, `README names an unknown plugin ${name}`);
  return Object.keys(plugin.configSpec.properties).length === 0 ? 'No properties.\n' : markdownTable(plugin.configSpec) + '\n';
}

describe('runtime/transforms/README.md', () => {
  it('documents every plugin with a properties table generated from its spec', () => {
    let readme = readFileSync(readmePath, 'utf8');
    const blocks = tableBlocks(readme);
    const documented = new Set(blocks.map((b) => b.name));
    const plugins = [...builtinTransformRegistry.transforms, ...builtinTransformRegistry.predicates];
    for (const p of plugins) {
      const covered = documented.has(p.name) || [...documented].some((d) => builtinTransformRegistry.findTransform(d)?.configSpec === p.configSpec);
      assert.ok(covered, `README.md has no properties table for ${p.name}`);
    }
    if (process.env.UPDATE_README === '1') {
      for (const b of [...blocks].reverse()) readme = readme.slice(0, b.start) + expectedTable(b.name) + readme.slice(b.end);
      writeFileSync(readmePath, readme);
      return;
    }
    for (const b of blocks) assert.equal(readme.slice(b.start, b.end), expectedTable(b.name), `properties table of ${b.name} is out of date`);
  });
});
