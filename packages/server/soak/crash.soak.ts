import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedProject } from '../src/domain/projects/index.ts';
import { STORES, createTestDatabase, signToken, type TestDatabase } from '../test/harness.ts';
import { createProjectWithCli, startServerProcess, type ServerProcess } from '../test/support/server-process.ts';

/**
 * kill -9 under load: a real server process takes concurrent metadata patches (each writes a key
 * and its twin) and credential imports, is SIGKILLed at a random moment, restarted, and every
 * acknowledged write must be there; no write may be half there. Bounded by PORTICO_SOAK_SECONDS
 * per store (default 45) and PORTICO_SOAK_MAX_RESTARTS (default 200).
 */
const BUDGET_MS = Number(process.env.PORTICO_SOAK_SECONDS ?? 45) * 1000;
const MAX_RESTARTS = Number(process.env.PORTICO_SOAK_MAX_RESTARTS ?? 200);
const WRITERS = 16;
const USERS_PER_ROUND = 6;

interface Acked {
  /** key -> value of every acknowledged metadata write, per user. */
  meta: Map<string, Map<string, string>>;
  /** credential id -> user of every acknowledged import. */
  credentials: Map<string, string>;
}

describe.each(STORES)('crash safety under kill -9 (%s)', (kind) => {
  let database: TestDatabase;
  let project: CreatedProject;
  const tokens = new Map<string, string>();
  const figures = { restarts: 0, metaWritesAcked: 0, importsAcked: 0, writesAttempted: 0, checksPassed: 0 };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    project = await createProjectWithCli(database);
  });
  afterAll(async () => {
    console.info(`soak (${kind}): ${JSON.stringify(figures)}`);
    await database.drop();
  });

  async function token(sub: string) {
    let value = tokens.get(sub);
    if (!value) tokens.set(sub, (value = await signToken(project, sub, { ttlSeconds: 3600 })));
    return value;
  }

  /** Every acknowledged write is present and every twin key pair is whole. */
  async function verify(server: ServerProcess, acked: Acked, users: Iterable<string>) {
    for (const sub of users) {
      const response = await fetch(`${server.url}/projects/${project.projectId}/sdk/me`, { headers: { authorization: `Bearer ${await token(sub)}` } });
      expect(response.status).toBe(200);
      const me = (await response.json()) as { meta: Record<string, string>; integrations: { salesforce: { allCredentials: Array<{ id: string }> } } };
      for (const [key, value] of acked.meta.get(sub) ?? []) expect(me.meta[key], `${sub}.${key} was acknowledged, then lost`).toBe(value);
      for (const [key, value] of Object.entries(me.meta)) if (key.endsWith('_a')) expect(me.meta[`${key.slice(0, -2)}_b`], `half of ${sub}.${key} written`).toBe(value);
      const present = new Set(me.integrations.salesforce.allCredentials.map((c) => c.id));
      for (const [id, owner] of acked.credentials) if (owner === sub) expect(present.has(id), `credential ${id} of ${sub} was acknowledged, then lost`).toBe(true);
      figures.checksPassed++;
    }
  }

  /** Writers hammer the server until it dies; resolves when all of them have stopped. */
  function hammer(server: ServerProcess, round: number, acked: Acked): Promise<void> {
    const sdk = `${server.url}/projects/${project.projectId}/sdk`;
    const writer = async (w: number) => {
      const sub = `r${round}-u${w % USERS_PER_ROUND}`;
      for (let n = 0; ; n++) {
        figures.writesAttempted++;
        try {
          if (n % 5 === 4) {
            const response = await fetch(`${server.url}/api/v1/projects/${project.projectId}/users/${sub}/credentials`, {
              method: 'POST', headers: { authorization: `Bearer ${project.apiKey}`, 'content-type': 'application/json' },
              body: JSON.stringify({ integration: 'salesforce', accessToken: `tok-${round}-${w}-${n}` }),
            });
            if (response.status !== 201) throw new Error(`import answered ${response.status}`);
            acked.credentials.set(((await response.json()) as { id: string }).id, sub);
            figures.importsAcked++;
            continue;
          }
          const key = `k${round}_${w}_${n}`;
          const value = `v${n}`;
          const response = await fetch(`${sdk}/me`, {
            method: 'PATCH', headers: { authorization: `Bearer ${await token(sub)}`, 'content-type': 'application/json' },
            body: JSON.stringify({ meta: { [`${key}_a`]: value, [`${key}_b`]: value } }),
          });
          if (response.status !== 200) throw new Error(`patch answered ${response.status}`);
          await response.arrayBuffer();
          const map = acked.meta.get(sub) ?? new Map<string, string>();
          map.set(`${key}_a`, value).set(`${key}_b`, value);
          acked.meta.set(sub, map);
          figures.metaWritesAcked++;
        } catch (error) {
          if (server.child.exitCode !== null || server.child.signalCode !== null || /fetch failed|ECONN|socket/i.test(String((error as Error).cause ?? error))) return;
          throw error;
        }
      }
    };
    return Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w))).then(() => undefined);
  }

  it('loses no acknowledged write and leaves no write half done across repeated SIGKILLs', async () => {
    const acked: Acked = { meta: new Map(), credentials: new Map() };
    const users = new Set<string>();
    const deadline = Date.now() + BUDGET_MS;
    let server = await startServerProcess(database);
    const created = await fetch(`${server.url}/api/v1/projects/${project.projectId}/integrations`, {
      method: 'POST', headers: { authorization: `Bearer ${project.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'salesforce' }),
    });
    expect(created.status).toBe(201);
    for (let round = 0; Date.now() < deadline && round < MAX_RESTARTS; round++) {
      for (let u = 0; u < USERS_PER_ROUND; u++) users.add(`r${round}-u${u}`);
      const writing = hammer(server, round, acked);
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
      server.child.kill('SIGKILL');
      await server.exited;
      await writing;
      figures.restarts++;
      server = await startServerProcess(database);
      await verify(server, acked, [...users].filter((u) => u.startsWith(`r${round}-`)));
    }
    await verify(server, acked, users);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(figures.restarts).toBeGreaterThan(0);
    expect(figures.metaWritesAcked).toBeGreaterThan(figures.restarts);
  }, BUDGET_MS + 180_000);
});
