import { Command } from 'commander';
import { PluginRegistry } from '../plugins/registry.js';
import { builtinConnectors } from '../connectors/index.js';
import { builtinTransformRegistry, pluginClassName } from '../runtime/transforms/transform-registry.js';

/** `tributary plugins`: the connectors (and transforms) this build can run. */
export function pluginsCommand(): Command {
  return new Command('plugins')
    .description('List connector plugins, with their aliases, and the transforms.')
    .option('--plugin-path <paths>', 'comma-separated plugin.path entries to load first')
    .action(async (options: { pluginPath?: string }) => {
      const registry = new PluginRegistry(builtinConnectors);
      if (options.pluginPath) await registry.loadPluginPath(options.pluginPath.split(',').map((p) => p.trim()));
      const lines = registry.list().map((c) => `${c.kind.padEnd(7)} ${c.name.padEnd(12)} ${c.version.padEnd(8)} ${(c.aliases ?? []).join(', ')}`);
      lines.push('', ...builtinTransformRegistry.transforms.map((t) => `${'transform'.padEnd(9)} ${t.name.padEnd(24)} ${pluginClassName(t)}`));
      lines.push(...builtinTransformRegistry.predicates.map((p) => `${'predicate'.padEnd(9)} ${p.name.padEnd(24)} ${pluginClassName(p)}`));
      process.stdout.write(lines.join('\n') + '\n');
    });
}
