import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../platform/errors.ts';
import { ConfigError } from '../platform/config.ts';
import { CommandFailed, UsageError } from './args.ts';
import { COMMAND_HELP } from './help.ts';

const USAGE = `portico — self-hosted Connected Users service

Usage:
  portico --version | help [COMMAND] | COMMAND --help
  portico serve [--port P] [--host H] [--data DIR] [--demo] [--no-worker]
  portico worker [--data DIR]                      (runs jobs, no HTTP listener)
  portico jobs list [--state queued|running|succeeded|dead] [--limit N] [--data DIR] [--json]
  portico jobs retry ID [--data DIR]               (queues a dead job again)
  portico jobs selftest [--count N] [--sleep-ms M] [--timeout-s S] [--data DIR] [--json]
  portico project create --name NAME [--plan basic|pro|enterprise] [--data DIR] [--json]
  portico project list [--data DIR] [--json]
  portico project set-plan --project ID --plan basic|pro|enterprise [--data DIR] [--json]
  portico project rotate-api-key --project ID [--revoke-old] [--data DIR] [--json]
  portico keys rotate --project ID [--grace 24h] [--data DIR] [--json]   (--grace 0 revokes the previous key at once)
  portico secrets reseal [--data DIR] [--json]   (re-seal every secret with the newest encryption key)
  portico secrets forget-key --fingerprint F [--data DIR]   (give up a lost encryption key)
  portico token --project ID --user ID [--ttl 1h] [--private-key FILE] [--data DIR]
  portico staff add EMAIL --role admin|viewer [--data DIR] [--json]   (password from stdin)
  portico staff list [--data DIR] [--json]
  portico staff remove EMAIL [--data DIR]
  portico workflows apply DIR --project ID [--dry-run] [--data DIR] [--json]   (one workflow per .json file, matched by name)
  portico migrate [--data DIR]
  portico bench [--store sqlite|postgres] [--scenario NAME] [--quick] [--help]   (needs a source checkout)

Environment: PORT, HOST, PORTICO_DATA_DIR, DATABASE_URL, PORTICO_ENCRYPTION_KEYS, LOG_LEVEL (docs/configuration.md).`;

type Command = (args: string[]) => Promise<void>;

/** Each command's module is loaded only when it runs: `portico serve` does not load what `token` needs. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).serve,
  worker: async () => (await import('./commands/worker.ts')).worker,
  jobs: async () => (await import('./commands/jobs.ts')).jobs,
  project: async () => (await import('./commands/project.ts')).project,
  keys: async () => (await import('./commands/keys.ts')).keys,
  secrets: async () => (await import('./commands/secrets.ts')).secrets,
  token: async () => (await import('./commands/token.ts')).token,
  staff: async () => (await import('./commands/staff.ts')).staff,
  workflows: async () => (await import('./commands/workflows.ts')).workflows,
  migrate: async () => (await import('./commands/migrate.ts')).migrate,
  bench: async () => (await import('./commands/bench.ts')).bench,
};

const isHelp = (arg: string | undefined) => arg === 'help' || arg === '--help' || arg === '-h';

/** The command's lines of the usage, then what it does. */
function commandHelp(command: string): string {
  const lines = USAGE.split('\n').filter((line) => line.startsWith(`  portico ${command} `) || line === `  portico ${command}`);
  return `Usage:\n${lines.join('\n')}\n\n${COMMAND_HELP[command] ?? ''}`.trimEnd();
}

function version(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  let [command, ...args] = argv;
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (!command || (isHelp(command) && args.length === 0)) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === 'help') [command, ...args] = [args[0]!, '--help'];
  try {
    const load = COMMANDS[command];
    if (!load) throw new UsageError(`Unknown command "${command}".`);
    // bench has options of its own and answers --help itself.
    if (command !== 'bench' && args.some(isHelp)) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    await (await load())(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`portico: ${error.message}\n\n${COMMANDS[command] && command !== 'bench' ? commandHelp(command) : USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof AppError || error instanceof CommandFailed) {
      process.stderr.write(`portico: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`portico: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
