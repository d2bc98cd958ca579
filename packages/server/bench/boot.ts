/**
 * `npm run bench:boot -- [--store sqlite|postgres] [--runs N] [--idle S] [--settle S] [--bin FILE]`:
 * how long `portico serve` takes from process start to its "Portico is running at" line, and its
 * resident memory once idle. See docs/performance.md ("Start-up and idle memory").
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SecretBox } from '../src/platform/crypto/secret-box.ts';
import { createBenchDatabase } from './database.ts';
import { describeMachine } from './machine.ts';
import type { StoreKind } from './options.ts';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `npm run bench:boot -- [options]

  --store sqlite|postgres   store to boot on (default sqlite)
  --runs N                  restarts measured after the first boot, which also migrates (default 5)
  --idle S                  seconds to wait after the "running" line before reading RSS (default 2)
  --settle S                one more boot left idle S seconds, for RSS once V8 has shrunk its heap (default 30; 0: none)
  --bin FILE                the portico executable to measure (default this checkout's bin/portico.js)
  --node-arg ARG            a node option for the server, e.g. --node-arg=--max-semi-space-size=4 (repeatable)

Environment: PORTICO_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).`;

interface Boot {
  /** From spawn() to the "Portico is running at" line on stdout. */
  bootMs: number;
  /** VmRSS after --idle seconds without requests. */
  idleRssMb: number;
}

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round((Number(match?.[1] ?? 0) / 1024) * 10) / 10;
}

async function bootOnce(nodeArgs: readonly string[], bin: string, dataDir: string, databaseUrl: string | undefined, encryptionKeys: string, idleSeconds: number): Promise<Boot> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', PORTICO_ENCRYPTION_KEYS: encryptionKeys };
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const bootMs = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`portico did not start within 30 s:\n${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Portico is running at')) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`portico exited (${code}) before it was running:\n${output}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    return { bootMs: Math.round(bootMs), idleRssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 10) / 10;
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      store: { type: 'string' },
      runs: { type: 'string' },
      idle: { type: 'string' },
      settle: { type: 'string' },
      bin: { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const store = (values.store ?? 'sqlite') as StoreKind;
  const runs = Number(values.runs ?? 5);
  const idle = Number(values.idle ?? 2);
  const settle = Number(values.settle ?? 30);
  if (!['sqlite', 'postgres'].includes(store) || !Number.isInteger(runs) || runs < 1 || !(idle >= 0) || !(settle >= 0)) {
    process.stderr.write(`bench:boot: bad arguments\n\n${USAGE}\n`);
    return 2;
  }
  const bin = path.resolve(values.bin ?? path.join(SERVER_DIR, 'bin/portico.js'));
  const nodeArgs = values['node-arg'] ?? [];
  const machine = describeMachine();
  process.stderr.write(`boot benchmark: ${store}, ${[...nodeArgs, bin].join(' ')}; ${machine.cpus} CPUs, node ${machine.node}, load ${machine.loadAverage}\n`);

  const database = await createBenchDatabase(store, process.env.PORTICO_BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const encryptionKeys = SecretBox.generateKeySpec();
  try {
    const first = await bootOnce(nodeArgs, bin, database.dataDir, database.databaseUrl, encryptionKeys, idle);
    const restarts: Boot[] = [];
    for (let i = 0; i < runs; i++) restarts.push(await bootOnce(nodeArgs, bin, database.dataDir, database.databaseUrl, encryptionKeys, idle));
    const boots = restarts.map((r) => r.bootMs);
    const rss = restarts.map((r) => r.idleRssMb);
    process.stdout.write(
      `first boot (creates and migrates the store): ${first.bootMs} ms, idle RSS ${first.idleRssMb} MB\n` +
        `restarts (${runs}): boot median ${median(boots)} ms (min ${Math.min(...boots)}, max ${Math.max(...boots)}), ` +
        `idle RSS median ${median(rss)} MB (min ${Math.min(...rss)}, max ${Math.max(...rss)}) after ${idle} s\n`,
    );
    if (settle > 0) {
      const settled = await bootOnce(nodeArgs, bin, database.dataDir, database.databaseUrl, encryptionKeys, settle);
      process.stdout.write(`settled: idle RSS ${settled.idleRssMb} MB after ${settle} s\n`);
    }
    return 0;
  } finally {
    await database.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:boot: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
