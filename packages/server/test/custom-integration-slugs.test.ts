import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customType } from '../src/domain/integrations/catalog.ts';
import { STORES, startPortico, type Portico } from './harness.ts';

describe('custom integration slug rule', () => {
  it('keeps lowercase letters and digits of an explicit slug or a name, and drops the rest', () => {
    expect(customType('custom.tasklab')).toBe('custom.tasklab');
    expect(customType('Task Lab')).toBe('custom.tasklab');
    expect(customType('custom.Task-Lab')).toBe('custom.tasklab');
    expect(customType('  Tâsk_Läb 2 ')).toBe('custom.tasklab2');
    expect(customType('custom.')).toBeUndefined();
    expect(customType('日本')).toBeUndefined();
    expect(customType('a'.repeat(64))).toBeUndefined();
  });
});

describe.each(STORES)('custom integration slugs (%s)', (kind) => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico(kind);
  });
  afterAll(() => portico.close());

  it('resolves {"type": "custom.tasklab"} and {"type": "custom", "name": "Task Lab"} to one integration', async () => {
    const byType = await portico.admin('POST', '/integrations', { type: 'custom.tasklab' });
    expect(byType.statusCode, byType.body).toBe(201);
    expect(byType.json()).toMatchObject({ type: 'custom.tasklab' });
    for (const body of [{ type: 'custom', name: 'Task Lab' }, { type: 'custom.task-lab' }, { type: 'custom.TaskLab', name: 'Other name' }]) {
      const again = await portico.admin('POST', '/integrations', body);
      expect(again.statusCode, JSON.stringify(body)).toBe(409);
      expect(again.json()).toMatchObject({ code: 'INTEGRATION_ALREADY_EXISTS', meta: { id: byType.json().id, type: 'custom.tasklab' } });
    }
    const types = (await portico.admin('GET', '/integrations')).json().data.map((i: { type: string }) => i.type);
    expect(types).toEqual(['custom.tasklab']);
    for (const reference of ['custom.tasklab', 'custom.task-lab', 'custom.Task Lab']) {
      const found = await portico.admin('GET', `/integrations/${encodeURIComponent(reference)}`);
      expect(found.json().id, reference).toBe(byType.json().id);
    }
  });

  it('finds an integration stored before the rule under every spelling, and refuses a second one', async () => {
    const other = await portico.createProject();
    const now = new Date().toISOString();
    await portico.store.db.insertInto('integrations').values({
      id: '0b7f3b8e-6a51-4c9e-9d1a-3f1f2a3b4c5d', project_id: other.projectId, type: 'custom.task-lab', name: 'Task Lab',
      config_id: '1c7f3b8e-6a51-4c9e-9d1a-3f1f2a3b4c5d', portal_config: '{}', is_active: 1, created_at: now, updated_at: now,
    }).execute();
    const admin = (method: 'GET' | 'POST', path: string, body?: object) => portico.app.inject({
      method, url: `/api/v1/projects/${other.projectId}${path}`, headers: { authorization: `Bearer ${other.apiKey}` }, ...(body ? { payload: body } : {}),
    });
    const duplicate = await admin('POST', '/integrations', { type: 'custom', name: 'Task Lab' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().meta).toMatchObject({ type: 'custom.task-lab' });
    expect((await admin('GET', '/integrations/custom.tasklab')).json().type).toBe('custom.task-lab');
    expect((await admin('GET', '/integrations/custom.task-lab')).json().type).toBe('custom.task-lab');
  });
});
