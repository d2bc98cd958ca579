import { createCipheriv, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openRuntime } from '../src/boot/runtime.ts';
import { importCredential, readSecrets, resealCredentialSecrets } from '../src/domain/connections/index.ts';
import { ensureUserIn } from '../src/domain/users/index.ts';
import type { AppContext } from '../src/domain/context.ts';
import { createIntegration } from '../src/domain/integrations/index.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { forgetEncryptionKey, retireKeysOtherThanCurrent } from '../src/domain/secrets/index.ts';
import { ConfigError, loadConfig } from '../src/platform/config.ts';
import { SecretBox, SecretBoxError, type SecretBinding } from '../src/platform/crypto/secret-box.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');
const KEY_A = `v1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_B = `v1:${Buffer.alloc(32, 2).toString('base64')}`;
const KEY_C = `v2:${Buffer.alloc(32, 3).toString('base64')}`;
const binding = (rowId: string): SecretBinding => ({ table: 'credentials', field: 'secrets', rowId });

/** What SecretBox sealed before ciphertexts were bound to their row: `v<n>.<iv>.<tag>.<data>`, no associated data. */
function legacySeal(spec: string, plaintext: string): string {
  const [version, encoded] = spec.split(':') as [string, string];
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(encoded, 'base64'), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [version, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox(`${KEY_C},${KEY_A}`);

  it('binds each ciphertext to its table, field and row', () => {
    const sealed = box.seal('token-1', binding('row-1'));
    expect(sealed).toMatch(/^v2\.a1\./);
    expect(box.open(sealed, binding('row-1'))).toBe('token-1');
    for (const elsewhere of [binding('row-2'), { ...binding('row-1'), field: 'other' }, { ...binding('row-1'), table: 'other' }]) {
      expect(() => box.open(sealed, elsewhere)).toThrow(SecretBoxError);
    }
    const [version, , iv, tag, data] = sealed.split('.');
    expect(() => box.open([version, iv, tag, data].join('.'), binding('row-1')), 'the row binding cannot be stripped').toThrow(SecretBoxError);
  });

  it('still opens the first format, and says which secrets need re-sealing', () => {
    const legacy = legacySeal(KEY_A, 'old-token');
    expect(box.open(legacy, binding('any-row'))).toBe('old-token');
    expect(box.needsReseal(legacy)).toBe(true);
    expect(box.needsReseal(new SecretBox(KEY_A).seal('x', binding('r')))).toBe(true);
    expect(box.needsReseal(box.seal('x', binding('r')))).toBe(false);
  });

  it('fingerprints each key without revealing it', () => {
    const prints = box.fingerprints();
    expect(prints.map((k) => k.version)).toEqual(['v2', 'v1']);
    expect(prints[1]!.fingerprint).toBe(new SecretBox(KEY_A).currentFingerprint.fingerprint);
    expect(prints[1]!.fingerprint).not.toBe(new SecretBox(KEY_B).currentFingerprint.fingerprint);
    expect(prints[1]!.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.alloc(32, 1).toString('hex')).not.toContain(prints[1]!.fingerprint);
  });
});

describe.each(STORES)('encryption keys at boot (%s)', (kind) => {
  let database: TestDatabase;
  const open: AppContext[] = [];
  afterEach(async () => {
    for (const ctx of open.splice(0)) await ctx.close();
    await database?.drop();
  });

  const config = (keys: string | undefined) => loadConfig({ PORTICO_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl, PORTICO_ENCRYPTION_KEYS: keys });
  async function start(keys: string | undefined): Promise<AppContext> {
    const ctx = await openRuntime(config(keys));
    open.push(ctx);
    return ctx;
  }
  async function stop(ctx: AppContext): Promise<void> {
    open.splice(open.indexOf(ctx), 1);
    await ctx.close();
  }
  /** A project with one imported credential per user; the credential ids. */
  async function seed(ctx: AppContext, users: string[]): Promise<string[]> {
    const { projectId } = await createProject(ctx.store, { name: 'Keys' });
    await createIntegration(ctx, projectId, { type: 'hubspot' }, { kind: 'system', name: 'test' });
    const state = (await ctx.projects.get(projectId))!;
    const ids: string[] = [];
    for (const user of users) {
      ids.push((await importCredential(ctx, state, (trx) => ensureUserIn(ctx, trx, projectId, user, { kind: 'system', name: 'test' }), { integration: state.integrationsByType.get('hubspot')!, secrets: { accessToken: `access-${user}` } }, { kind: 'system', name: 'test' })).id);
    }
    return ids;
  }
  const refusal = (keys: string | undefined) => start(keys).then(() => undefined, (error: unknown) => error);

  it('refuses to start when no configured key is the one that sealed the secrets; a key prepended for rotation is fine', async () => {
    database = await createTestDatabase(kind);
    const first = await start(KEY_A);
    const [credentialId] = await seed(first, ['ann']);
    const fingerprintA = first.secrets.currentFingerprint.fingerprint;
    await stop(first);

    const refused = await refusal(KEY_B);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain(`v1 (fingerprint ${fingerprintA})`);
    expect((refused as Error).message).toContain('is not configured');
    expect((refused as Error).message).not.toContain(Buffer.alloc(32, 1).toString('base64'));

    const rotating = await start(`${KEY_C},${KEY_A}`);
    expect(await readSecrets(rotating, credentialId!)).toEqual({ accessToken: 'access-ann' });
    await seed(rotating, ['ben']);
    await stop(rotating);
    expect(await refusal(KEY_A), 'v2 sealed a secret since: it is needed too').toBeInstanceOf(ConfigError);

    const resealing = await start(`${KEY_C},${KEY_A}`);
    const report = await resealCredentialSecrets(resealing.store.db, resealing.secrets);
    expect(report).toMatchObject({ scanned: 2, resealed: 1, unreadable: [] });
    expect(await retireKeysOtherThanCurrent(resealing.store.db, resealing.secrets)).toEqual([fingerprintA]);
    await stop(resealing);
    const afterReseal = await start(KEY_C);
    expect(await readSecrets(afterReseal, credentialId!)).toEqual({ accessToken: 'access-ann' });
  });

  it('lets a lost key be given up explicitly', async () => {
    database = await createTestDatabase(kind);
    const first = await start(KEY_A);
    await seed(first, ['ann']);
    await stop(first);
    expect(await refusal(KEY_B)).toBeInstanceOf(ConfigError);
    const box = new SecretBox(KEY_B);
    const probe = await start(KEY_A);
    await forgetEncryptionKey(probe.store.db, box, new SecretBox(KEY_A).currentFingerprint.fingerprint);
    await stop(probe);
    const started = await start(KEY_B);
    await seed(started, ['cat']);
  });

  it('starts with any key while no secret is sealed, and forgets keys nothing needs', async () => {
    database = await createTestDatabase(kind);
    const first = await start(KEY_A);
    const [credentialId] = await seed(first, ['ann']);
    await first.store.db.deleteFrom('credentials').where('id', '=', credentialId!).execute();
    await stop(first);
    const second = await start(KEY_B);
    await seed(second, ['ben']);
    await stop(second);
    expect(await refusal(KEY_A)).toBeInstanceOf(ConfigError);
  });

  it('checks a database whose secrets predate the fingerprints by opening the newest one', async () => {
    database = await createTestDatabase(kind);
    const first = await start(KEY_A);
    const [credentialId] = await seed(first, ['ann']);
    await first.store.db.updateTable('credentials').set({ secrets: legacySeal(KEY_A, JSON.stringify({ accessToken: 'legacy' })) }).execute();
    await first.store.db.deleteFrom('encryption_keys').execute();
    await stop(first);

    const refused = await refusal(KEY_B);
    expect((refused as Error).message).toContain('none of the configured encryption keys opens');
    const second = await start(KEY_A);
    expect(await readSecrets(second, credentialId!)).toEqual({ accessToken: 'legacy' });
    expect(await second.store.db.selectFrom('encryption_keys').select('fingerprint').execute()).toEqual([{ fingerprint: second.secrets.currentFingerprint.fingerprint }]);

    const report = await resealCredentialSecrets(second.store.db, second.secrets);
    expect(report).toMatchObject({ scanned: 1, resealed: 1 });
    const row = await second.store.db.selectFrom('credentials').select('secrets').where('id', '=', credentialId!).executeTakeFirstOrThrow();
    expect(row.secrets).toMatch(/^v1\.a1\./);
    expect(await readSecrets(second, credentialId!)).toEqual({ accessToken: 'legacy' });
  });

  it('makes a ciphertext copied to another row fail to open', async () => {
    database = await createTestDatabase(kind);
    const ctx = await start(KEY_A);
    const [annId, benId] = await seed(ctx, ['ann', 'ben']);
    const ann = await ctx.store.db.selectFrom('credentials').select('secrets').where('id', '=', annId!).executeTakeFirstOrThrow();
    await ctx.store.db.updateTable('credentials').set({ secrets: ann.secrets }).where('id', '=', benId!).execute();
    await expect(readSecrets(ctx, benId!)).rejects.toThrow(SecretBoxError);
    expect(await readSecrets(ctx, annId!)).toEqual({ accessToken: 'access-ann' });
  });

  it.runIf(kind === 'sqlite')('refuses to replace a missing encryption-keys file when secrets exist, and writes no new key', async () => {
    database = await createTestDatabase(kind);
    const first = await start(undefined);
    await seed(first, ['ann']);
    await stop(first);
    const file = path.join(database.dataDir, 'encryption-keys');
    const saved = fs.readFileSync(file);
    fs.rmSync(file);

    const env: NodeJS.ProcessEnv = { ...process.env, PORTICO_DATA_DIR: database.dataDir, LOG_LEVEL: 'warn' };
    delete env.PORTICO_ENCRYPTION_KEYS;
    delete env.DATABASE_URL;
    const failure = await run(process.execPath, [BIN, 'serve', '--port', '0'], { env }).then(
      () => { throw new Error('portico serve started'); },
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(`generated because ${file} is missing`);
    expect(failure.stderr).toContain('Restore the key');
    expect(fs.existsSync(file)).toBe(false);

    fs.writeFileSync(file, saved, { mode: 0o600 });
    const resealed = JSON.parse((await run(process.execPath, [BIN, 'secrets', 'reseal', '--json'], { env })).stdout);
    expect(resealed).toMatchObject({ scanned: 1, resealed: 0, unreadable: [], retiredKeys: [] });
    await start(undefined);
  });
});
