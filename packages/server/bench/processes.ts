import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessMeter } from './machine.ts';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORTICO_BIN = path.join(SERVER_DIR, 'bin/portico.js');
const BASELINE_ENTRY = path.join(SERVER_DIR, 'bench/baseline-server.ts');
const API_ENTRY = path.join(SERVER_DIR, 'bench/api-server.ts');

/** A process under test, with its own pid so its memory and CPU can be measured. */
export interface Service {
  url: string;
  meter: ProcessMeter;
  stop(): Promise<void>;
}

function waitForUrl(child: ChildProcess, name: string, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 60 s. Output:\n${output}`)), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        // Its log (JSON lines) is dropped from here on, but for errors: a 500 in a scenario says why.
        let pending = '';
        child.stdout!.on('data', (data: Buffer) => {
          const lines = (pending + data.toString()).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (/"level":\s*[56]\d/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
        });
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(`[${name}] ${chunk.toString()}`);
    });
    child.once('exit', (code, signal) => fail(new Error(`${name} exited (${signal ?? code}) before it was ready. Output:\n${output}`)));
  });
}

async function startService(name: string, args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<Service> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await waitForUrl(child, name, pattern);
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    meter: new ProcessMeter(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface ServerLaunch {
  dataDir: string;
  databaseUrl: string | undefined;
  encryptionKeys: string;
  /** Directory for a V8 CPU profile of the server, written when it stops. */
  cpuProfileDir?: string | undefined;
}

/** `portico serve` as an operator runs it: its own process, durable SQLite commits, quiet logs. */
export function startPortico(launch: ServerLaunch): Promise<Service> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    PORTICO_ENCRYPTION_KEYS: launch.encryptionKeys,
    PORTICO_SQLITE_SYNCHRONOUS: 'full',
    // The proxy scenario's provider API and the webhook-fan-out scenario's sink run on loopback.
    PORTICO_OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    // The scenarios measure throughput from a few users and keys, far beyond the default rate limits.
    PORTICO_RATE_LIMIT_USER: '0',
    PORTICO_RATE_LIMIT_API_KEY: '0',
  };
  delete env.DATABASE_URL;
  if (launch.databaseUrl) env.DATABASE_URL = launch.databaseUrl;
  const profile = launch.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfileDir}`] : [];
  const args = [...profile, PORTICO_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', launch.dataDir];
  return startService('portico', args, env, /running at (http:\/\/\S+)/);
}

/** The bare Fastify route every ratio is relative to, answering `bodyFile`'s JSON object. */
export function startBaseline(bodyFile: string): Promise<Service> {
  return startService('baseline', ['--import', 'tsx', BASELINE_ENTRY, bodyFile], { ...process.env }, /listening at (http:\/\/\S+)/);
}

/** The proxy scenario's provider API, accepting `token` as its bearer token. */
export function startLocalApi(token: string): Promise<Service> {
  return startService('api', ['--import', 'tsx', API_ENTRY, token], { ...process.env }, /listening at (http:\/\/\S+)/);
}
