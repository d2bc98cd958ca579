import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadProcessConfig, ConfigError, type ConfigOverrides } from '../platform/config.ts';
import { migrateToLatest } from '../domain/migrations/index.ts';
import { openAppStore as openStore } from '../domain/database.ts';
import { AppError } from '../platform/errors.ts';
import { isPlan, PLANS, type Plan } from '../domain/projects/index.ts';
import { createProject, listProjects, rotateSigningKey } from '../domain/projects/index.ts';
import { openMigratedStore, openRuntime } from '../boot/runtime.ts';
import { startServer } from '../boot/server.ts';
import { parseTtl, signUserToken } from '../platform/crypto/user-token-signer.ts';
import { ensureDemoProject } from './demo.ts';

const USAGE = `portico — self-hosted Connected Users service

Usage:
  portico serve [--port P] [--host H] [--data DIR] [--demo]
  portico project create --name NAME [--plan basic|pro|enterprise] [--data DIR] [--json]
  portico project list [--data DIR] [--json]
  portico keys rotate --project ID [--data DIR] [--json]
  portico token --project ID --user ID [--ttl 1h] [--private-key FILE] [--data DIR]
  portico migrate [--data DIR]
  portico bench [--store sqlite|postgres] [--scenario NAME] [--quick] [--help]   (needs a source checkout)

Environment: PORT, HOST, PORTICO_DATA_DIR, DATABASE_URL, PORTICO_ENCRYPTION_KEYS, LOG_LEVEL (docs/configuration.md).`;

class UsageError extends Error {}

const COMMON = {
  data: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function overrides(values: Record<string, string | boolean | undefined>): ConfigOverrides {
  const result: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = {};
  if (typeof values.data === 'string') result.dataDir = values.data;
  if (typeof values.host === 'string') result.host = values.host;
  if (typeof values.port === 'string') {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535; got "${values.port}".`);
    result.port = port;
  }
  return result;
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value;
}

async function serve(args: string[]): Promise<void> {
  const values = parse(args, { port: { type: 'string' }, host: { type: 'string' }, demo: { type: 'boolean' } });
  const config = loadProcessConfig(overrides(values));
  const ctx = await openRuntime(config);
  const demo = values.demo ? await ensureDemoProject(ctx) : undefined;
  const server = await startServer(ctx);
  const lines = [
    '',
    `Portico is running at ${server.url}`,
    `  store:        ${ctx.store.dialect} (${ctx.store.location})`,
    `  API reference: ${server.url}/api/v1/openapi.json`,
  ];
  if (demo) {
    lines.push(
      `  demo project: ${demo.projectId}${demo.created ? ' (created now)' : ''}`,
      `  private signing key: ${demo.privateKeyPath}`,
      `  Admin API key: in ${config.dataDir}/demo-project.json`,
      '',
      'Mint a user token for the demo project:',
      `  npx portico token --project ${demo.projectId} --user demo-user --private-key ${demo.privateKeyPath}`,
      'Then:',
      `  curl -H "Authorization: Bearer <token>" ${server.url}/projects/${demo.projectId}/sdk/me`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

async function project(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const values = parse(rest, { name: { type: 'string' }, plan: { type: 'string' } });
    const name = required(values, 'name');
    const plan = (values.plan as string | undefined) ?? 'enterprise';
    if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}; got "${plan}".`);
    const store = await openMigratedStore(loadProcessConfig(overrides(values)));
    try {
      const created = await createProject(store, { name, plan: plan as Plan });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(created)}\n`);
      } else {
        process.stdout.write(
          `Project "${name}" created (plan ${plan}).\n  projectId: ${created.projectId}\n  apiKey:    ${created.apiKey}\n\n` +
            `Private signing key (shown once; Portico keeps only the public key):\n${created.privateKeyPem}\n`,
        );
      }
    } finally {
      await store.close();
    }
    return;
  }
  if (sub === 'list') {
    const values = parse(rest, {});
    const store = await openMigratedStore(loadProcessConfig(overrides(values)));
    try {
      const projects = await listProjects(store);
      if (values.json) process.stdout.write(`${JSON.stringify(projects)}\n`);
      else for (const p of projects) process.stdout.write(`${p.id}  ${p.plan.padEnd(10)}  ${p.name}\n`);
    } finally {
      await store.close();
    }
    return;
  }
  throw new UsageError(`Unknown command "project ${sub ?? ''}".`);
}

async function keys(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'rotate') throw new UsageError(`Unknown command "keys ${sub ?? ''}".`);
  const values = parse(rest, { project: { type: 'string' } });
  const projectId = required(values, 'project');
  const store = await openMigratedStore(loadProcessConfig(overrides(values)));
  try {
    const rotated = await rotateSigningKey(store, projectId);
    if (values.json) process.stdout.write(`${JSON.stringify({ projectId, ...rotated })}\n`);
    else process.stdout.write(`New signing key for ${projectId}; tokens signed with the previous key are refused from now on.\n\nPrivate signing key (shown once):\n${rotated.privateKeyPem}\n`);
  } finally {
    await store.close();
  }
}

async function token(args: string[]): Promise<void> {
  const values = parse(args, { project: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' }, 'private-key': { type: 'string' } });
  const projectId = required(values, 'project');
  const userId = required(values, 'user');
  const config = loadProcessConfig(overrides(values));
  const keyPath = (values['private-key'] as string | undefined) ?? `${config.dataDir}/demo-private-key.pem`;
  if (!fs.existsSync(keyPath)) throw new UsageError(`No private key at ${keyPath}; pass --private-key FILE (the key printed by "portico project create").`);
  let ttlSeconds: number;
  try {
    ttlSeconds = parseTtl((values.ttl as string | undefined) ?? '1h');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const signed = await signUserToken({ privateKeyPem: fs.readFileSync(keyPath, 'utf8'), projectId, userId, ttlSeconds });
  process.stdout.write(`${signed}\n`);
}

async function migrate(args: string[]): Promise<void> {
  const values = parse(args, {});
  const config = loadProcessConfig(overrides(values));
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied } = await migrateToLatest(store);
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : `Schema is up to date (${store.dialect}).\n`);
  } finally {
    await store.close();
  }
}

/** Runs the benchmark of a source checkout (bench/run.ts) with the same arguments. */
async function bench(args: string[]): Promise<void> {
  const script = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
  if (!fs.existsSync(script)) throw new UsageError('The benchmark ships with the source checkout only (packages/server/bench).');
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', cwd: path.dirname(path.dirname(script)) });
  const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
  if (code !== 0) process.exitCode = code;
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { serve, project, keys, token, migrate, bench };

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
    if (error instanceof ConfigError || error instanceof AppError) {
      process.stderr.write(`portico: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`portico: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
