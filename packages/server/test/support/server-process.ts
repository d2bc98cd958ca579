import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CreatedProject } from '../../src/domain/projects/index.ts';
import { TEST_ENCRYPTION_KEYS, type TestDatabase } from '../harness.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/portico.js');

/** Environment of a real `portico` process on a test database. */
export function processEnv(database: TestDatabase, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORTICO_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'warn', PORTICO_RATE_LIMIT_USER: '0', PORTICO_RATE_LIMIT_API_KEY: '0', ...extra };
  delete env.DATABASE_URL;
  if (database.databaseUrl) env.DATABASE_URL = database.databaseUrl;
  return env;
}

export async function createProjectWithCli(database: TestDatabase): Promise<CreatedProject> {
  const { stdout } = await run(process.execPath, [BIN, 'project', 'create', '--name', 'Soak', '--json', '--data', database.dataDir], { env: processEnv(database) });
  return JSON.parse(stdout) as CreatedProject;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** `portico serve --port 0` as its own process; resolves once it prints its URL. */
export function startServerProcess(database: TestDatabase, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', database.dataDir], {
    env: processEnv(database, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`portico serve did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /Portico is running at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child, exited, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`portico serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}
