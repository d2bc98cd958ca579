import { AppError } from '../platform/errors.ts';
import { ConfigError } from '../platform/config.ts';
import { CommandFailed, UsageError } from './args.ts';
import { jobs } from './commands/jobs.ts';
import { worker } from './commands/worker.ts';
import { bench } from './commands/bench.ts';
import { keys } from './commands/keys.ts';
import { migrate } from './commands/migrate.ts';
import { project } from './commands/project.ts';
import { secrets } from './commands/secrets.ts';
import { serve } from './commands/serve.ts';
import { token } from './commands/token.ts';

const USAGE = `portico — self-hosted Connected Users service

Usage:
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
  portico migrate [--data DIR]
  portico bench [--store sqlite|postgres] [--scenario NAME] [--quick] [--help]   (needs a source checkout)

Environment: PORT, HOST, PORTICO_DATA_DIR, DATABASE_URL, PORTICO_ENCRYPTION_KEYS, LOG_LEVEL (docs/configuration.md).`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { serve, worker, jobs, project, keys, secrets, token, migrate, bench };

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h' || (command !== 'bench' && args.includes('--help'))) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`Unknown command "${command}".`);
    await run(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`portico: ${error.message}\n\n${USAGE}\n`);
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
