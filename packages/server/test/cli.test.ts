import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, TEST_ENCRYPTION_KEYS, createTestDatabase, type TestDatabase } from './harness.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');

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
    const failure = await portico('project', 'create', '--name', 'X', '--plan', 'gold').catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('--plan must be one of basic, pro, enterprise');
    const missing = await portico('token', '--user', 'u').catch((error: { code: number; stderr: string }) => error);
    expect((missing as { stderr: string }).stderr).toContain('--project is required');
    const bench = await portico('bench', '--help');
    expect(bench.stdout).toContain('--scenario');
  });
});
