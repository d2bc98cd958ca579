import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppStore } from '../src/domain/database.ts';
import { changeDepsOf } from '../src/domain/context.ts';
import { systemActor } from '../src/domain/events.ts';
import { createIntegration } from '../src/domain/integrations/index.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';
import { processEnv } from './support/server-process.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/portico.js');

describe.each(STORES)('portico workflows apply (%s)', (kind) => {
  let database: TestDatabase;
  let projectId: string;
  let dir: string;
  const portico = (...args: string[]) => run(process.execPath, [BIN, ...args, '--data', database.dataDir], { env: processEnv(database) });
  const fails = (...args: string[]) => portico(...args).then(
    () => { throw new Error(`portico ${args.join(' ')} succeeded`); },
    (error: { code: number; stderr: string }) => error,
  );
  const write = (name: string, body: unknown) => fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body, null, 2));

  async function stored() {
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      return await store.db.selectFrom('workflows').select(['id', 'name', 'trigger_type', 'event_name', 'definition']).where('project_id', '=', projectId).orderBy('name').execute();
    } finally {
      await store.close();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    projectId = JSON.parse((await portico('project', 'create', '--name', 'Flows', '--json')).stdout).projectId;
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      await createIntegration(changeDepsOf(store), projectId, { type: 'slack' }, systemActor('test'));
    } finally {
      await store.close();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-flows-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await database.drop();
  });

  it('creates, then updates by name, then reports nothing changed; a mistake in any file applies nothing', async () => {
    write('notify.json', { name: 'Notify', integration: 'slack', trigger: { type: 'event', event: 'Deal Won' }, steps: [{ id: 'post', type: 'integration_request', method: 'POST', path: '/chat.postMessage', body: { text: 'Won: {{event.deal}}' } }] });
    write('nightly.json', [{ name: 'Nightly', integration: 'slack', trigger: { type: 'schedule', cron: '0 3 * * *', timezone: '{{user.meta.TimeZone | "UTC"}}' } }]);
    const first = await portico('workflows', 'apply', dir, '--project', projectId);
    expect(first.stdout).toMatch(/^created\s+Notify/m);
    expect(first.stdout).toMatch(/^created\s+Nightly/m);
    expect(first.stdout).toContain('2 created, 0 updated, 0 unchanged.');
    const ids = (await stored()).map((w) => w.id);

    write('notify.json', { name: 'Notify', integration: 'slack', trigger: { type: 'event', event: 'Deal Lost' } });
    const second = await portico('workflows', 'apply', dir, '--project', projectId);
    expect(second.stdout).toContain('0 created, 1 updated, 1 unchanged.');
    const rows = await stored();
    expect(rows.map((w) => w.id)).toEqual(ids);
    expect(rows.find((w) => w.name === 'Notify')).toMatchObject({ trigger_type: 'event', event_name: 'Deal Lost' });

    write('broken.json', { name: 'Broken', integration: 'slack', trigger: { type: 'event', event: 'X' }, steps: [{ id: 'a', type: 'http', method: 'POST', url: 'not a url' }] });
    write('other.json', { name: 'Other', integration: 'hubspot' });
    write('notify.json', { name: 'Notify', integration: 'slack', trigger: { type: 'event', event: 'Changed Again' } });
    const refused = await fails('workflows', 'apply', dir, '--project', projectId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/broken\.json: steps\[0\]\.url: .*absolute URL/);
    expect(refused.stderr).toMatch(/other\.json: integration: the project has no integration "hubspot"/);
    expect(refused.stderr).toContain('nothing was applied');
    expect((await stored()).find((w) => w.name === 'Notify')).toMatchObject({ event_name: 'Deal Lost' });
    expect((await stored()).map((w) => w.name)).toEqual(['Nightly', 'Notify']);

    fs.rmSync(path.join(dir, 'broken.json'));
    fs.rmSync(path.join(dir, 'other.json'));
    const dry = JSON.parse((await portico('workflows', 'apply', dir, '--project', projectId, '--dry-run', '--json')).stdout);
    expect(dry.map((o: { name: string; action: string }) => [o.name, o.action])).toEqual([['Nightly', 'unchanged'], ['Notify', 'updated']]);
    expect((await stored()).find((w) => w.name === 'Notify')).toMatchObject({ event_name: 'Deal Lost' });

    write('bad.json', '{ "name": ');
    expect((await fails('workflows', 'apply', dir, '--project', projectId)).stderr).toMatch(/bad\.json: is not valid JSON/);
    expect((await fails('workflows', 'apply', path.join(dir, 'nope'), '--project', projectId)).stderr).toContain('does not exist');
    expect((await fails('workflows', 'apply', dir)).code).toBe(2);
  }, 120_000);
});
