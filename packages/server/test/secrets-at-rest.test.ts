import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/boot/app.ts';
import { serverLogOptions } from '../src/platform/http/log-options.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

const run = promisify(execFile);

/**
 * A full scenario through the HTTP API, with the running server's logger at `trace`, then the raw
 * store (SQLite files, WAL included, or a pg_dump) and every log line searched for each secret.
 */
describe.each(STORES)('no secret in plaintext at rest or in logs (%s)', (kind) => {
  let portico: Portico;
  let app: FastifyInstance;
  const logLines: string[] = [];
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    portico = await startPortico(kind);
    const stream = new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } });
    app = await buildApp(portico.ctx, { logger: { ...serverLogOptions(portico.ctx.config), level: 'trace', stream } });
    await app.ready();

    const pid = portico.project.projectId;
    const admin = (method: 'GET' | 'POST', adminPath: string, body?: unknown, key = portico.project.apiKey) =>
      app.inject({ method, url: `/api/v1/projects/${pid}${adminPath}`, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body as object } : {}) });
    const connect = async (sub: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', sdkPath: string, body?: unknown, headers: Record<string, string> = {}) => {
      const token = await portico.token(sub);
      secrets[`user token of ${sub}`] = token;
      return app.inject({ method, url: `/projects/${pid}${sdkPath}`, headers: { authorization: `Bearer ${token}`, ...headers }, ...(body ? { payload: body as object } : {}) });
    };

    secrets['API key'] = portico.project.apiKey;
    secrets['private signing key'] = portico.project.privateKeyPem.split('\n')[5]!;
    await admin('POST', '/integrations', { type: 'salesforce' });
    await admin('POST', '/integrations', { type: 'slack' });
    const workflow = (await admin('POST', '/workflows', { name: 'Sync', integration: 'salesforce', defaultEnabled: true })).json();
    for (const sub of ['ann', 'ben', 'cat']) {
      secrets[`access token of ${sub}`] = `ya29.ACCESS-${sub}-${'x'.repeat(40)}`;
      secrets[`refresh token of ${sub}`] = `1//REFRESH-${sub}-${'y'.repeat(40)}`;
      for (const integration of ['salesforce', 'slack']) {
        const imported = await admin('POST', `/users/${sub}/credentials`, {
          integration, accessToken: secrets[`access token of ${sub}`], refreshToken: secrets[`refresh token of ${sub}`], providerId: `${sub}-account`,
        });
        expect(imported.statusCode, imported.body).toBe(201);
      }
      await connect(sub, 'GET', '/sdk/me', undefined, { 'x-paragon-user-metadata': JSON.stringify({ Email: `${sub}@example.com` }) });
      await connect(sub, 'PATCH', '/sdk/me', { meta: { plan: 'gold' } });
      const account = await connect(sub, 'GET', '/sdk/credentials?integration=salesforce&includeAccountAuth=true');
      expect(account.json().accountAuth.OAUTH_ACCESS_TOKEN).toBe(secrets[`access token of ${sub}`]);
      await connect(sub, 'DELETE', `/sdk/workflows/${workflow.id}`);
      await connect(sub, 'POST', `/sdk/workflows/${workflow.id}`);
    }
    const [credential] = (await connect('ann', 'GET', '/sdk/credentials')).json();
    await connect('ann', 'PATCH', `/sdk/credentials/${credential.id}`, { config: { sharedSettings: { folder: 'x' } } });
    await connect('cat', 'DELETE', '/sdk/integrations/slack');
    // Refusals log too: a wrong key, a token of another project, a token in a query string.
    secrets['guessed API key'] = 'prt_GUESSED-KEY-THAT-IS-WRONG-0123456789';
    expect((await admin('GET', '/integrations', undefined, secrets['guessed API key'])).statusCode).toBe(401);
    const stray = await app.inject({ method: 'GET', url: `/projects/${pid}/sdk/actions/oauth-nonce?userToken=${secrets['user token of ann']}&code=AUTH-CODE-SECRET` });
    expect(stray.statusCode).toBeGreaterThanOrEqual(400);
    secrets['authorization code'] = 'AUTH-CODE-SECRET';
  });

  afterAll(async () => {
    await app.close();
    await portico.close();
  });

  function expectAbsent(haystack: Buffer | string, where: string) {
    const text = Buffer.isBuffer(haystack) ? haystack.toString('latin1') : haystack;
    for (const [name, secret] of Object.entries(secrets)) {
      const needle = Buffer.isBuffer(haystack) ? Buffer.from(secret, 'utf8').toString('latin1') : secret;
      expect(text.includes(needle), `${name} found in plaintext in ${where}`).toBe(false);
    }
  }

  it('keeps access tokens, refresh tokens, API keys and signing keys out of the database files', async () => {
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(12);
    if (kind === 'sqlite') {
      const base = path.join(portico.database.dataDir, 'portico.db');
      const files = [base, `${base}-wal`, `${base}-shm`].filter((f) => fs.existsSync(f));
      expect(files.length).toBeGreaterThanOrEqual(1);
      let bytes = 0;
      for (const file of files) {
        const content = fs.readFileSync(file);
        bytes += content.length;
        expectAbsent(content, path.basename(file));
      }
      expect(bytes).toBeGreaterThan(10_000);
    } else {
      const { stdout } = await run('pg_dump', ['--no-owner', portico.database.databaseUrl!], { maxBuffer: 64 * 1024 * 1024 });
      expect(stdout).toContain('CREATE TABLE');
      expect(stdout).toContain('ann@example.com');
      expectAbsent(stdout, 'pg_dump');
    }
  });

  it('keeps them out of every log line, including refused requests and query strings', () => {
    const all = logLines.join('');
    expect(logLines.length).toBeGreaterThan(50);
    expect(all).toContain('userToken=[redacted]');
    expectAbsent(all, 'the logs');
    console.info(`secrets (${kind}): ${Object.keys(secrets).length} secrets searched in the store and in ${logLines.length} log lines`);
  });
});
