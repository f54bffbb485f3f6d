import { Command } from 'commander';
import { reportErrors, reportWarnings, type ConfigInfos } from '../plugins/api/index.js';
import { PluginRegistry } from '../plugins/registry.js';
import { builtinConnectors } from '../connectors/index.js';
import { readConfigFile } from '../runtime/config/config-file.js';
import { validateConnector } from '../runtime/worker/connector-validator.js';

/**
 * `tributary validate <connector config>`: prints the validation report; exit 1 on errors.
 * Unknown properties are listed as warnings and, as at start-up, do not make the config invalid
 * (exit 0) unless `--strict` asks for that, for checks in CI.
 */
export function validateCommand(): Command {
  return new Command('validate')
    .description('Validate a connector config (.properties or .json) and print every problem, and every property nothing reads.')
    .argument('<connector-config>', 'connector config file')
    .option('--plugin-path <paths>', 'comma-separated plugin.path entries to load first')
    .option('--json', 'print the Kafka Connect ConfigInfos JSON (with its warnings) instead of text')
    .option('--strict', 'exit 1 on warnings (unknown properties) too')
    .action(async (file: string, options: { pluginPath?: string; json?: boolean; strict?: boolean }) => {
      const registry = new PluginRegistry(builtinConnectors);
      if (options.pluginPath) await registry.loadPluginPath(options.pluginPath.split(',').map((p) => p.trim()));
      const { report } = await validateConnector(registry, readConfigFile(file));
      process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : validationText(file, report));
      process.exitCode = report.error_count > 0 || (options.strict && report.warnings.length > 0) ? 1 : 0;
    });
}

/** The report for people: a headline, the errors (`- `), then the warnings (`warning: `). */
export function validationText(file: string, report: ConfigInfos): string {
  const problems = reportErrors(report);
  const warnings = reportWarnings(report);
  const counts = [
    problems.length === 0 ? `valid (${report.name})` : `${problems.length} problem(s)`,
    ...(warnings.length > 0 ? [`${warnings.length} warning(s)`] : []),
  ];
  const lines = [`${file}: ${counts.join(', ')}`, ...problems.map((p) => `  - ${p}`), ...warnings.map((w) => `  warning: ${w}`)];
  return lines.join('\n') + '\n';
}
