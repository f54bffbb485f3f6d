import { Command } from 'commander';
import { VERSION } from '../runtime/version.js';
import { distributedCommand } from './distributed-command.js';
import { lakeCommand } from './lake-command.js';
import { pluginsCommand } from './plugins-command.js';
import { quickstartCommand } from './quickstart-command.js';
import { standaloneCommand } from './standalone-command.js';
import { validateCommand } from './validate-command.js';

/** `tributary`: the command-line entry. Each command lives in its own module. */
const program = new Command()
  .name('tributary')
  .description('Change-data-capture connectors in the style of Kafka Connect and Debezium.')
  .version(VERSION)
  .showHelpAfterError();

program.addCommand(quickstartCommand());
program.addCommand(standaloneCommand());
program.addCommand(distributedCommand());
program.addCommand(validateCommand());
program.addCommand(pluginsCommand());
program.addCommand(lakeCommand());

await program.parseAsync(process.argv);
