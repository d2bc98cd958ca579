import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/platform/crypto/signing-keys.ts';
import { openAppStore } from '../src/domain/database.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';
import { processEnv } from './support/server-process.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');

describe.each(STORES)('portico CLI: plans and keys (%s)', (kind) => {
  let database: TestDatabase;
  let projectId: string;
  const portico = (...args: string[]) => run(process.execPath, [BIN, ...args, '--data', database.dataDir], { env: processEnv(database) });
  const fails = (...args: string[]) => portico(...args).then(
    () => { throw new Error(`portico ${args.join(' ')} succeeded`); },
    (error: { code: number; stderr: string }) => error,
  );

  async function withStore<T>(read: (store: ReturnType<typeof openAppStore>) => Promise<T>): Promise<T> {
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    projectId = JSON.parse((await portico('project', 'create', '--name', 'Keys', '--json')).stdout).projectId;
  });
  afterAll(() => database.drop());

  it('rotates the signing key with a 24 h grace period by default, or revokes at once with --grace 0', async () => {
    const graceful = await portico('keys', 'rotate', '--project', projectId);
    expect(graceful.stdout).toMatch(/keep working until \d{4}-\d\d-\d\dT/);
    expect(graceful.stdout).toContain('BEGIN RSA PRIVATE KEY');
    const urgent = JSON.parse((await portico('keys', 'rotate', '--project', projectId, '--grace', '0', '--json')).stdout);
    expect(urgent.previousKeys.map((k: { state: string }) => k.state)).toEqual(['revoked', 'revoked']);
    const shorter = JSON.parse((await portico('keys', 'rotate', '--project', projectId, '--grace', '90m', '--json')).stdout);
    const end = Date.parse(shorter.previousKeys[0].expiresAt) - Date.now();
    expect(end).toBeGreaterThan(89 * 60_000);
    expect(end).toBeLessThanOrEqual(90 * 60_000);
    const keys = await withStore((store) => store.db.selectFrom('signing_keys').select(['id', 'expires_at']).where('project_id', '=', projectId).execute());
    expect(keys.filter((k) => k.expires_at === null).map((k) => k.id)).toEqual([shorter.keyId]);

    for (const grace of ['soon', '31d', '-1']) {
      const refused = await fails('keys', 'rotate', '--project', projectId, '--grace', grace);
      expect(refused.code, grace).toBe(2);
      expect(refused.stderr).toContain('--grace');
    }
  });

  it('sets the plan', async () => {
    expect((await portico('project', 'set-plan', '--project', projectId, '--plan', 'basic')).stdout).toContain('basic plan');
    const listed = JSON.parse((await portico('project', 'list', '--json')).stdout);
    expect(listed.find((p: { id: string }) => p.id === projectId).plan).toBe('basic');
    expect((await fails('project', 'set-plan', '--project', projectId, '--plan', 'gold')).stderr).toContain('--plan must be one of basic, pro, enterprise');
    expect((await fails('project', 'set-plan', '--project', '3f0c2f7e-8c1d-4b7a-9d2e-1a2b3c4d5e6f', '--plan', 'pro')).code).toBe(1);
  });

  it('rotates the admin API key, with an overlap or revoking the old one at once', async () => {
    const overlapping = JSON.parse((await portico('project', 'rotate-api-key', '--project', projectId, '--json')).stdout);
    expect(overlapping.previousKeys.map((k: { state: string }) => k.state)).toEqual(['grace']);
    const text = await portico('project', 'rotate-api-key', '--project', projectId, '--revoke-old');
    const newKey = /prt_\S+/.exec(text.stdout)![0];
    expect(text.stdout).toContain('revoked');
    const keys = await withStore((store) => store.db.selectFrom('api_keys').select(['key_hash', 'expires_at', 'scopes']).where('project_id', '=', projectId).execute());
    const valid = keys.filter((k) => k.expires_at === null || Date.parse(k.expires_at) > Date.now());
    expect(valid).toEqual([{ key_hash: hashApiKey(newKey), expires_at: null, scopes: 'admin' }]);
  });
});
