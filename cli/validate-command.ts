import { Command } from 'commander';
import { reportErrors } from '../plugins/api/index.js';
import { PluginRegistry } from '../plugins/registry.js';
import { builtinConnectors } from '../connectors/index.js';
import { readConfigFile } from '../runtime/config/config-file.js';
import { validateConnector } from '../runtime/worker/connector-validator.js';

/** `tributary validate <connector config>`: prints the validation report; exit 1 on errors. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('Validate a connector config (.properties or .json) and print every problem.')
    .argument('<connector-config>', 'connector config file')
    .option('--plugin-path <paths>', 'comma-separated plugin.path entries to load first')
    .option('--json', 'print the Kafka Connect ConfigInfos JSON instead of text')
    .action(async (file: string, options: { pluginPath?: string; json?: boolean }) => {
      const registry = new PluginRegistry(builtinConnectors);
      if (options.pluginPath) await registry.loadPluginPath(options.pluginPath.split(',').map((p) => p.trim()));
      const { report } = await validateConnector(registry, readConfigFile(file));
      if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        const problems = reportErrors(report);
        process.stdout.write(problems.length === 0 ? `${file}: valid (${report.name})\n` : `${file}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
      }
      process.exitCode = report.error_count > 0 ? 1 : 0;
    });
}
