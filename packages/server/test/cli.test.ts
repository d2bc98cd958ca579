import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, TEST_ENCRYPTION_KEYS, createTestDatabase, type TestDatabase } from './harness.ts';

const run = promisify(execFile);
const SERVER_DIR = path.resolve(import.meta.dirname, '..');
const BIN = path.join(SERVER_DIR, 'bin/portico.js');

interface Failure {
  code: number;
  stdout: string;
  stderr: string;
}

/** The exit code and output of a `portico` run that is expected to fail. */
async function failure(promise: Promise<unknown>): Promise<Failure> {
  const outcome = await promise.then(
    () => undefined,
    (error: Failure) => error,
  );
  if (!outcome) throw new Error('the command succeeded');
  return outcome;
}

/** `portico serve` with `args` until its "running" line; resolves with its output and stops it. */
function serveOnce(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let running = false;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`portico serve did not start:\n${output}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // The "running" block ends with an empty line.
      if (!running && /Portico is running at [\s\S]*\n\n$/.test(output)) {
        running = true;
        clearTimeout(timer);
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (running) resolve(output);
      else reject(new Error(`portico serve exited with ${code}:\n${output}`));
    });
  });
}

describe('portico CLI (any store)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORTICO_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const portico = (...args: string[]) => run(process.execPath, [BIN, ...args], { env });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints its version with --version and -v', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(SERVER_DIR, 'package.json'), 'utf8')) as { version: string };
    expect((await portico('--version')).stdout).toBe(`${version}\n`);
    expect((await portico('-v')).stdout).toBe(`${version}\n`);
  });

  it('prints a command\'s own usage for "COMMAND --help" and "help COMMAND", exit 0', async () => {
    const help = (await portico('token', '--help')).stdout;
    expect(help).toContain('portico token --project ID --user ID');
    expect(help).toContain('--ttl DURATION');
    expect(help).not.toContain('portico serve');
    expect((await portico('help', 'token')).stdout).toBe(help);
    expect((await portico('serve', '-h')).stdout).toContain('--demo');
    expect((await portico('help')).stdout).toContain('portico serve');
    const unknown = await failure(portico('help', 'nonsense'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "nonsense"');
  });

  it('on a port in use, serve prints one line saying so and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const result = await failure(portico('serve', '--port', String(port), '--host', '127.0.0.1'));
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`portico: port ${port} on 127.0.0.1 is in use; stop the other process or pass --port\n`);
    } finally {
      blocker.close();
    }
  });
});

describe('bin/portico.js and the build', () => {
  /** A copy of bin/ and scripts/ over a fake server package, so the real dist/ is never touched. */
  function fakePackage(): { dir: string; bin: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-build-'));
    for (const file of ['bin/portico.js', 'scripts/build-state.js']) {
      fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
      fs.copyFileSync(path.join(SERVER_DIR, file), path.join(dir, file));
    }
    fs.mkdirSync(path.join(dir, 'src/cli'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src/cli/main.ts'), '');
    return { dir, bin: path.join(dir, 'bin/portico.js') };
  }
  function build(dir: string, stampTime: Date): void {
    fs.mkdirSync(path.join(dir, 'dist/bundle'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dist/bundle/main.js'), 'export async function main() { process.stdout.write("built main ran\\n"); return 0; }\n');
    fs.writeFileSync(path.join(dir, 'dist/.build-stamp'), '');
    fs.utimesSync(path.join(dir, 'dist/.build-stamp'), stampTime, stampTime);
  }

  it('refuses a missing or stale build with one line, and runs a current one', async () => {
    const { dir, bin } = fakePackage();
    try {
      const missing = await failure(run(process.execPath, [bin, '--version'], { cwd: dir }));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('portico: there is no build in dist; run npm run build\n');

      build(dir, new Date(Date.now() - 60_000));
      const stale = await failure(run(process.execPath, [bin, '--version'], { cwd: dir }));
      expect(stale.stderr).toBe(`portico: the build in dist/ is older than ${path.join('src', 'cli', 'main.ts')}; run npm run build\n`);

      build(dir, new Date(Date.now() + 1000));
      expect((await run(process.execPath, [bin, '--version'], { cwd: dir })).stdout).toBe('built main ran\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(STORES)('portico CLI (%s)', (kind) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    env = { ...process.env, PORTICO_DATA_DIR: database.dataDir, LOG_LEVEL: 'warn', PORTICO_PROJECT_CACHE_TTL_MS: '0' };
    delete env.DATABASE_URL;
    if (database.databaseUrl) Object.assign(env, { DATABASE_URL: database.databaseUrl, PORTICO_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS });
  });
  afterAll(async () => {
    server?.kill('SIGTERM');
    await database.drop();
  });

  const portico = (...args: string[]) => run(process.execPath, [BIN, ...args], { env });

  async function serve(): Promise<string> {
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
      server!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Portico is running at (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      server!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server!.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
  }

  it('creates a project, mints a token the server accepts, and rotates the signing key', async () => {
    const created = JSON.parse((await portico('project', 'create', '--name', 'Acme', '--plan', 'pro', '--json')).stdout);
    expect(Object.keys(created).sort()).toEqual(['apiKey', 'privateKeyPem', 'projectId', 'signingKeyId']);
    expect(created.privateKeyPem).toContain('BEGIN RSA PRIVATE KEY');
    const keyFile = path.join(database.dataDir, 'acme.pem');
    fs.writeFileSync(keyFile, created.privateKeyPem);

    const token = (await portico('token', '--project', created.projectId, '--user', 'cli-user', '--ttl', '10m', '--private-key', keyFile)).stdout.trim();
    const url = await serve();
    const me = await fetch(`${url}/projects/${created.projectId}/sdk/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).project.billingPlan).toBe('pro');

    const rotated = JSON.parse((await portico('keys', 'rotate', '--project', created.projectId, '--grace', '0', '--json')).stdout);
    const refused = await fetch(`${url}/projects/${created.projectId}/sdk/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    fs.writeFileSync(keyFile, rotated.privateKeyPem);
    const fresh = (await portico('token', '--project', created.projectId, '--user', 'cli-user', '--private-key', keyFile)).stdout.trim();
    expect((await fetch(`${url}/projects/${created.projectId}/sdk/me`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);

    const listed = JSON.parse((await portico('project', 'list', '--json')).stdout);
    expect(listed.map((p: { id: string }) => p.id)).toContain(created.projectId);
  });

  it('explains usage mistakes with exit code 2', async () => {
    const plan = await failure(portico('project', 'create', '--name', 'X', '--plan', 'gold'));
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('--plan must be one of basic, pro, enterprise');
    expect((await failure(portico('token', '--user', 'u'))).stderr).toContain('--project is required');
    const bench = await portico('bench', '--help');
    expect(bench.stdout).toContain('--scenario');
  });

  it('token validates --ttl, refuses an unknown project, and refuses a key that is not the project\'s (naming the demo project)', async () => {
    const ttl = await failure(portico('token', '--project', 'p', '--user', 'u', '--ttl', '0'));
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain('--ttl must be from 1s to 7d; got "0"');
    expect((await failure(portico('token', '--project', 'p', '--user', 'u', '--ttl', '30d'))).stderr).toContain('--ttl must be from 1s to 7d');

    const served = await serveOnce(['--demo'], env);
    const demo = JSON.parse(fs.readFileSync(path.join(database.dataDir, 'demo-project.json'), 'utf8')) as { projectId: string };
    expect(served).toContain(`demo project: ${demo.projectId}`);
    const { dashboard } = demo as { dashboard?: { email: string; password: string } };
    expect(dashboard?.password.length, 'the demo file holds a dashboard admin for a store without staff').toBeGreaterThanOrEqual(12);
    expect(served).toContain(`/dashboard (sign in as ${dashboard!.email}`);
    expect(served, 'the password stays in the 0600 file, out of the logs').not.toContain(dashboard!.password);
    expect(JSON.parse((await portico('staff', 'list', '--json')).stdout)).toMatchObject([{ email: dashboard!.email, role: 'admin' }]);
    expect((await portico('token', '--project', demo.projectId, '--user', 'demo-user', '--ttl', '90s')).stdout).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/);

    const unknown = await failure(portico('token', '--project', '00000000-0000-4000-8000-000000000000', '--user', 'u'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^portico: no project 00000000-0000-4000-8000-000000000000 in (sqlite|postgres) .*\n$/);

    const other = JSON.parse((await portico('project', 'create', '--name', 'Other', '--json')).stdout) as { projectId: string; privateKeyPem: string };
    const wrongKey = await failure(portico('token', '--project', other.projectId, '--user', 'u'));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain(`is the signing key of the demo project ${demo.projectId}, not of ${other.projectId}`);

    const keyFile = path.join(database.dataDir, 'other.pem');
    fs.writeFileSync(keyFile, other.privateKeyPem);
    await portico('keys', 'rotate', '--project', other.projectId, '--grace', '0');
    const rotated = await failure(portico('token', '--project', other.projectId, '--user', 'u', '--private-key', keyFile));
    expect(rotated.stderr).toContain(`is not an active signing key of ${other.projectId}`);
  }, 90_000);
});

describe.runIf(STORES.includes('postgres'))('portico serve --demo on a second store', () => {
  let sqliteDir: string;
  let postgres: TestDatabase;
  beforeAll(async () => {
    sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-demo-'));
    postgres = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    fs.rmSync(sqliteDir, { recursive: true, force: true });
    await postgres.drop();
  });

  it('refuses a data directory whose demo files belong to another store, and leaves them as they were', async () => {
    const sqliteEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', PORTICO_DATA_DIR: sqliteDir };
    delete sqliteEnv.DATABASE_URL;
    await serveOnce(['--demo'], sqliteEnv);
    const files = ['demo-project.json', 'demo-private-key.pem'].map((name) => path.join(sqliteDir, name));
    const before = files.map((file) => fs.readFileSync(file, 'utf8'));
    expect(JSON.parse(before[0]!).store).toBe(`sqlite ${path.join(sqliteDir, 'portico.db')}`);

    const postgresEnv = { ...sqliteEnv, DATABASE_URL: postgres.databaseUrl, PORTICO_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS };
    const refused = await failure(run(process.execPath, [BIN, 'serve', '--demo', '--port', '0'], { env: postgresEnv }));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`demo-project.json holds the demo project of another store (sqlite ${path.join(sqliteDir, 'portico.db')}) and the only copy of its keys`);
    expect(refused.stderr).toContain('a data directory of its own');
    expect(files.map((file) => fs.readFileSync(file, 'utf8'))).toEqual(before);

    // Restarting on the first store finds its demo project again.
    expect(await serveOnce(['--demo'], sqliteEnv)).toContain(`demo project: ${JSON.parse(before[0]!).projectId}\n`);
    // The second store with a data directory of its own gets its own demo project.
    const served = await serveOnce(['--demo', '--data', postgres.dataDir], postgresEnv);
    const second = JSON.parse(fs.readFileSync(path.join(postgres.dataDir, 'demo-project.json'), 'utf8'));
    expect(second.store).toMatch(/^postgres postgres:\/\//);
    expect(served).toContain(`demo project: ${second.projectId} (created now)`);
  });
});
