#!/usr/bin/env node
/** The pve-twonode command line: the program and its error handling; the commands, by group, in cli/commands/. */
import { Command } from 'commander';
import { CliError, EXIT, explainTemporalError } from './errors';
import { where } from './read-run';
import { RunAlreadyActiveError } from './start';
import { registerDay2Commands } from './commands/day2';
import { registerHealthCommands } from './commands/health';
import { registerProcessCommands } from './commands/processes';
import { registerRunCommands } from './commands/runs';
import { registerSetupCommands } from './commands/setup';

/**
 * A usage mistake (an unknown command, a missing argument or option, a value not among the choices) is commander's
 * one line naming it and the valid values, and exit 2 (README "Exit codes"); help and --version exit 0. Subcommands
 * inherit this (commander copies the settings of the program into each command made after it).
 */
const program = new Command('pve-twonode')
  .description('A 2-node Proxmox VE cluster with a QDevice, as one durable, approval-gated Temporal workflow')
  .showSuggestionAfterError()
  .exitOverride((err) => {
    const shown = err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version';
    process.exit(shown ? EXIT.ok : EXIT.usage);
  });

// A reader that stops early (`pve-twonode health x | head`) is not an error: no EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

// In the order `--help` lists them.
registerSetupCommands(program);
registerHealthCommands(program);
registerDay2Commands(program);
registerRunCommands(program);
registerProcessCommands(program);

program.option('--debug', 'print stack traces of unexpected errors');

program.parseAsync().catch((err: unknown) => {
  const debug = program.opts<{ debug?: boolean }>().debug === true;
  const explained = err instanceof RunAlreadyActiveError ? new CliError(err.message, EXIT.runNotCompleted) : explainTemporalError(err, where());
  if (explained) console.error(explained.message);
  else console.error(debug ? err : `error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (run with --debug for details)`);
  if (debug && explained) console.error(err);
  process.exit(explained?.exitCode ?? 1);
});
