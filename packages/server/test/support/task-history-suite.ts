import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import type { WorkflowExecutionTable, WorkflowStepExecutionTable } from '../../src/domain/workflows/workflows.table.ts';
import { seedSalesforce, startPortico, type Portico, type StoreKind } from '../harness.ts';

export interface Execution {
  id: string;
  userId: string;
  workflowId: string;
  integration: string;
  status: string;
  triggerType: string;
  taskCount: number;
  runDuration: number | null;
  dateCreated: string;
  dateStarted: string;
  dateEnded: string | null;
  error: string | null;
  replayOf: string | null;
}
export interface Page {
  workflowExecutions: Execution[];
  nextLink: string | null;
  total: number;
}

export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** Seeded runs are spread over the minutes before this instant, one a minute, newest first. */
export const BASE = Date.parse('2026-11-01T12:00:00.000Z');
export const STATUS_CYCLE = ['SUCCEEDED', 'FAILED', 'SUCCEEDED', 'CANCELLED', 'SUCCEEDED'] as const;

/**
 * A project with seeded workflow executions for the Task History suites: users ada (Email
 * Ada.Lovelace@Example.com), bob and cy; Salesforce with two workflows and HubSpot with one; 120
 * runs of ada and 7 of bob, one a minute before BASE, newest first, statuses cycling through
 * STATUS_CYCLE. Call inside a `describe`; values are there once its `beforeAll` has run.
 */
export function taskHistorySuite(kind: StoreKind) {
  let portico: Portico;
  let pid: string;
  let sync: { id: string };
  let deals: { id: string };
  let hubspotFlow: { id: string };
  const users = new Map<string, string>();
  /** Every seeded execution id of the main project, newest first. */
  const seeded: Array<{ id: string; sub: string; status: string; createdAt: string; workflowId: string }> = [];

  const th = (method: InjectOptions['method'], path: string, key = portico.project.apiKey, projectId = pid) =>
    portico.app.inject({ method, url: `/projects/${projectId}/task-history${path}`, headers: { authorization: `Bearer ${key}` } });
  const list = async (query = ''): Promise<Page> => {
    const response = await th('GET', `/workflow-executions${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const newKey = async (scopes: string[]) => ((await portico.admin('POST', '/api-keys', { name: scopes.join(' '), scopes })).json() as { key: string }).key;

  async function insertExecution(sub: string, workflowId: string, integrationId: string, row: Partial<WorkflowExecutionTable> = {}): Promise<WorkflowExecutionTable> {
    const createdAt = row.created_at ?? new Date(BASE).toISOString();
    const status = row.status ?? 'SUCCEEDED';
    const finished = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status);
    const values: WorkflowExecutionTable = {
      id: randomUUID(),
      project_id: pid,
      workflow_id: workflowId,
      user_id: users.get(sub)!,
      end_user_id: sub,
      integration_id: integrationId,
      credential_id: null,
      config_id: null,
      trigger_type: 'event',
      status,
      trigger_input: JSON.stringify({ event: { contact: { id: 7 } } }),
      response: null,
      context: null,
      error: status === 'FAILED' ? 'Step notify: HTTP 500' : null,
      error_code: status === 'FAILED' ? 'STEP_FAILED' : null,
      dedupe_key: null,
      replay_of: null,
      task_count: 2,
      created_at: createdAt,
      started_at: new Date(Date.parse(createdAt) + 1000).toISOString(),
      ended_at: finished ? new Date(Date.parse(createdAt) + 3500).toISOString() : null,
      updated_at: createdAt,
      ...row,
    };
    await portico.store.db.insertInto('workflow_executions').values(values).execute();
    return values;
  }

  async function insertStep(executionId: string, seq: number, row: Partial<WorkflowStepExecutionTable>): Promise<WorkflowStepExecutionTable> {
    const values: WorkflowStepExecutionTable = {
      id: randomUUID(),
      execution_id: executionId,
      seq,
      step_id: `step-${seq}`,
      type: 'http',
      status: 'SUCCEEDED',
      input: null,
      output: null,
      input_size: 0,
      output_size: 0,
      is_large_input: 0,
      is_large_output: 0,
      attempts: 1,
      error: null,
      started_at: new Date(BASE + seq * 1000).toISOString(),
      ended_at: new Date(BASE + seq * 1000 + 400).toISOString(),
      ...row,
    };
    await portico.store.db.insertInto('workflow_step_executions').values(values).execute();
    return values;
  }

  beforeAll(async () => {
    portico = await startPortico(kind, { config: { PORTICO_JOB_POLL_INTERVAL_MS: '50' } });
    pid = portico.project.projectId;
    for (const [sub, meta] of [['ada', { Email: 'Ada.Lovelace@Example.com' }], ['bob', { Email: 'bob@example.com' }], ['cy', {}]] as const) {
      expect((await portico.connect(sub, 'PATCH', '/sdk/me', { meta })).statusCode).toBe(200);
    }
    const salesforce = await seedSalesforce(portico, 'ada');
    sync = salesforce.onByDefault;
    deals = salesforce.offByDefault;
    const hubspot = (await portico.admin('POST', '/integrations', { type: 'hubspot' })).json() as { id: string };
    hubspotFlow = (await portico.admin('POST', '/workflows', { name: 'HubSpot notes', integration: 'hubspot' })).json() as { id: string };
    for (const row of await portico.store.db.selectFrom('connected_users').select(['id', 'external_id']).where('project_id', '=', pid).execute()) users.set(row.external_id, row.id);

    // 120 runs of ada (two Salesforce workflows), 7 of bob on HubSpot, one a minute, newest first.
    for (let i = 0; i < 127; i++) {
      const sub = i < 120 ? 'ada' : 'bob';
      const workflowId = i < 120 ? (i % 2 === 0 ? sync.id : deals.id) : hubspotFlow.id;
      const integrationId = i < 120 ? salesforce.integration.id : hubspot.id;
      const status = STATUS_CYCLE[i % STATUS_CYCLE.length]!;
      const createdAt = new Date(BASE - i * MINUTE).toISOString();
      const row = await insertExecution(sub, workflowId, integrationId, { status, created_at: createdAt });
      seeded.push({ id: row.id, sub, status, createdAt, workflowId });
    }
  });
  afterAll(async () => {
    await portico.ctx.jobs.stop({ drainMs: 0 });
    await portico.close();
  });

  async function integrationIdOf(type: string): Promise<string> {
    const row = await portico.store.db.selectFrom('integrations').select('id').where('project_id', '=', pid).where('type', '=', type).executeTakeFirstOrThrow();
    return row.id;
  }

  return {
    get portico() { return portico; },
    get pid() { return pid; },
    get sync() { return sync; },
    get deals() { return deals; },
    get hubspotFlow() { return hubspotFlow; },
    users, seeded, th, list, newKey, insertExecution, insertStep, integrationIdOf,
  };
}
