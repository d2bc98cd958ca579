import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowIso } from '../src/platform/ids.ts';
import { ProjectCache } from '../src/domain/projects/project-cache.ts';
import { insertProject } from '../src/domain/projects/projects.repository.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

describe.each(STORES)('project cache (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  it('keeps real projects cached while random well-formed ids flood it', async () => {
    const cache = new ProjectCache(portico.store, 60_000, 4);
    const real = cache.get(portico.project.projectId);
    expect((await real)?.project.id).toBe(portico.project.projectId);
    for (let i = 0; i < 50; i++) expect(await cache.get(randomUUID())).toBeUndefined();
    // The very same promise: the project was neither evicted nor loaded again.
    expect(cache.get(portico.project.projectId)).toBe(real);
  });

  it('remembers an unknown id briefly, then sees a project created under it', async () => {
    const cache = new ProjectCache(portico.store, 60_000);
    const id = randomUUID();
    expect(await cache.get(id)).toBeUndefined();
    const now = nowIso();
    await insertProject(portico.store.db, { id, name: 'Late', plan: 'enterprise', created_at: now, updated_at: now });
    expect(await cache.get(id)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await cache.get(id))?.project.name).toBe('Late');
  });

  it('forgets an unknown id at once when told the project changed', async () => {
    const cache = new ProjectCache(portico.store, 60_000);
    const id = randomUUID();
    expect(await cache.get(id)).toBeUndefined();
    const now = nowIso();
    await insertProject(portico.store.db, { id, name: 'Invalidated', plan: 'enterprise', created_at: now, updated_at: now });
    cache.invalidate(id);
    expect((await cache.get(id))?.project.name).toBe('Invalidated');
  });
});
