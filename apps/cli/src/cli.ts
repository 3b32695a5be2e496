import { Command, CommanderError } from 'commander';
import { isKopirError } from '@kopir/contracts';
import { registerAdapterCommands } from './commands/adapter.command';
import { registerAuditCommands } from './commands/audit.command';
import { registerCallCommands } from './commands/call.command';
import { registerConfigCommands } from './commands/config.command';
import { registerDataCommands } from './commands/data.command';
import { registerDemoCommands } from './commands/demo.command';
import { registerFederationCommands } from './commands/federation.command';
import { registerKafkaCommands } from './commands/kafka.command';
import { registerPkiCommands } from './commands/pki.command';
import { registerRulesCommands } from './commands/rules.command';
import { registerUpCommands } from './commands/up.command';
import { EXIT, UsageError, type Output, stdio } from './output';

/** Each feature adds its commands here; a command's action throws to fail (UsageError for exit 2). */
const REGISTRATIONS: ReadonlyArray<(program: Command, out: Output) => void> = [
  registerConfigCommands,
  registerPkiCommands,
  registerDataCommands,
  registerFederationCommands,
  registerRulesCommands,
  registerAuditCommands,
  registerCallCommands,
  registerUpCommands,
  registerDemoCommands,
  registerAdapterCommands,
  registerKafkaCommands,
];

export function buildProgram(out: Output): Command {
  const program = new Command('kopir')
    .description('Köpir: the inter-agency integration gateway — operate, federate, audit and try it')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: (s) => out.stderr(s) });
  for (const register of REGISTRATIONS) register(program, out);
  // Every command, at any depth, exits through runCli rather than process.exit (testable, cleans up).
  const exitOverride = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

const VERSION = '0.1.0';

/** Runs the CLI with `argv` (without node and script) and resolves to the process exit code. */
export async function runCli(argv: readonly string[], out: Output = stdio): Promise<number> {
  try {
    await buildProgram(out).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (error.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      out.stderr(`kopir: ${error.message}\n`);
      return EXIT.usage;
    }
    const code = isKopirError(error) ? ` [${error.code}]` : '';
    out.stderr(`kopir: ${error instanceof Error ? error.message : String(error)}${code}\n`);
    return EXIT.failure;
  }
}
