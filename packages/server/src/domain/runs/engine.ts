import type { JobHelpers } from '../../platform/jobs/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import { OutboundResponseTooLargeError, OutboundTimeoutError, SsrfBlockedError } from '../../platform/net/ssrf-guard.ts';
import type { AppContext } from '../context.ts';
import { systemActor } from '../events.ts';
import { callIntegrationApi } from '../connections/index.ts';
import { compare } from '../workflows/index.ts';
import type { HttpStep, IntegrationRequestStep, WorkflowStep } from '../workflows/index.ts';
import { checkGates, type ClosedGate, type RunSubject } from './gates.ts';
import { enqueueExecution, type RunPayload } from '../workflows/index.ts';
import * as repo from '../workflows/index.ts';
import { render, renderText, TemplateError, type TemplateScope } from '../workflows/index.ts';
import { workflowMetrics } from './workflow.metrics.ts';
import type { WorkflowExecutionTable, WorkflowStepExecutionTable } from '../workflows/index.ts';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
/** Step inputs and outputs above this many bytes are kept truncated in Task History (`isLarge*`). */
export const PREVIEW_LIMIT_BYTES = 64 * 1024;
const MAX_STEP_RESPONSE_BYTES = 10 * 1_048_576;
const SENSITIVE_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|signature/i;

/** What the trigger gave a run. */
export interface TriggerInput {
  event?: unknown;
  request?: { body: unknown; query: Record<string, unknown>; headers: Record<string, unknown> };
}

interface RunContext {
  steps: Record<string, { output: unknown }>;
}

/** A step that failed; `retryable` failures are tried again with the run's backoff, the others fail the run. */
class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    readonly pause = false,
  ) {
    super(message);
  }
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  if (text.length === 0) return null;
  if (contentType?.includes('json') || /^[\s]*[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SENSITIVE_HEADER.test(name) ? '[redacted]' : value]));
}

/** Replaces every secret value (secret metadata, tokens) inside a JSON value with "[redacted]". */
function redactValues(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), value);
  if (Array.isArray(value)) return value.map((item) => redactValues(item, secrets));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v, secrets)]));
  return value;
}

/** A JSON value as Task History keeps it: redacted, and truncated past the preview limit. */
export function preview(value: unknown, secrets: readonly string[]): { json: string | null; size: number; large: number } {
  if (value === undefined) return { json: null, size: 0, large: 0 };
  const json = JSON.stringify(redactValues(value, secrets)) ?? 'null';
  const size = Buffer.byteLength(json);
  if (size <= PREVIEW_LIMIT_BYTES) return { json, size, large: 0 };
  return { json: JSON.stringify({ truncated: true, preview: json.slice(0, PREVIEW_LIMIT_BYTES) }), size, large: 1 };
}

function withQuery(url: URL, query: unknown): URL {
  if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      url.searchParams.append(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  return url;
}

function renderHeaders(headers: Record<string, string> | undefined, scope: TemplateScope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = renderText(value, scope);
  return out;
}

async function httpStep(ctx: AppContext, step: HttpStep, scope: TemplateScope, signal: AbortSignal) {
  let url: URL;
  const rendered = renderText(step.url, scope);
  try {
    url = withQuery(new URL(rendered), render(step.query, scope));
  } catch {
    throw new StepFailure(`The URL "${rendered.slice(0, 200)}" is not an absolute http(s) URL.`, 'STEP_URL_INVALID', false);
  }
  const headers = renderHeaders(step.headers, scope);
  const body = step.body === undefined || step.method === 'GET' ? undefined : render(step.body, scope);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  if (payload !== undefined && typeof body !== 'string') headers['content-type'] ??= 'application/json';
  headers['user-agent'] ??= 'Portico-Workflows/1';
  const input = { method: step.method, url: url.toString(), headers: redactHeaders(headers), ...(body === undefined ? {} : { body }) };
  let response;
  try {
    response = await ctx.outbound.request(url, {
      method: step.method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      timeoutMs: ctx.config.workflowStepTimeoutMs,
      maxResponseBytes: MAX_STEP_RESPONSE_BYTES,
      signal,
    });
  } catch (error) {
    if (error instanceof SsrfBlockedError) throw new StepFailure(error.message, 'OUTBOUND_REQUEST_BLOCKED', false);
    if (error instanceof OutboundTimeoutError) throw new StepFailure(`${url.host} did not answer within ${ctx.config.workflowStepTimeoutMs} ms.`, 'STEP_TIMEOUT', true);
    if (error instanceof OutboundResponseTooLargeError) throw new StepFailure(error.message, 'STEP_RESPONSE_TOO_LARGE', false);
    throw new StepFailure(`${url.host} could not be reached: ${(error as Error).message}`, 'STEP_UNREACHABLE', true);
  }
  const output = parseBody(response.body, response.headers['content-type']);
  if (response.status >= 400) {
    throw Object.assign(new StepFailure(`${url.host} answered HTTP ${response.status}.`, 'STEP_HTTP_ERROR', response.status >= 500 || response.status === 429), { input, output });
  }
  return { input, output };
}

async function integrationStep(ctx: AppContext, step: IntegrationRequestStep, scope: TemplateScope, subject: RunSubject, signal: AbortSignal) {
  const path = renderText(step.path, scope);
  const query = render(step.query, scope);
  const target = withQuery(new URL(path, 'http://placeholder'), query);
  const headers = renderHeaders(step.headers, scope);
  const body = step.body === undefined || step.method === 'GET' ? undefined : render(step.body, scope);
  const input = { method: step.method, path: `${target.pathname}${target.search}`, headers: redactHeaders(headers), ...(body === undefined ? {} : { body }) };
  let response;
  try {
    response = await callIntegrationApi(ctx, subject.state, subject.user, {
      integrationRef: subject.integration.id,
      credentialRef: subject.credential.id,
      method: step.method,
      target: { path: `${path.split('?')[0]}${target.search}` },
      headers,
      body,
      signal,
    });
  } catch (error) {
    if (isAppError(error)) {
      if (error.code === 'CREDENTIAL_INVALID') throw new StepFailure(error.message, error.code, false, true);
      const retryable = error.code === 'INTEGRATION_API_TIMEOUT' || error.code === 'INTEGRATION_API_UNREACHABLE' || error.code === 'PROVIDER_UNAVAILABLE';
      throw Object.assign(new StepFailure(error.message, error.code, retryable), { input });
    }
    throw error;
  }
  const output = parseBody(response.body, response.headers['content-type'] as string | undefined);
  if (response.status >= 400) {
    throw Object.assign(new StepFailure(`${subject.integration.name} answered HTTP ${response.status}.`, 'INTEGRATION_API_ERROR', response.status >= 500 || response.status === 429), { input, output });
  }
  return { input, output };
}

/** Runs one workflow execution: gates, then each step not done yet, recording each in Task History. */
export class ExecutionRun {
  private seq = 0;
  private secrets: string[] = [];
  private readonly metrics;

  constructor(
    private readonly ctx: AppContext,
    private row: WorkflowExecutionTable,
    private readonly helpers: JobHelpers,
  ) {
    this.metrics = workflowMetrics(ctx.metrics, ctx.store);
  }

  private gateRef() {
    const { row } = this;
    return { projectId: row.project_id, workflowId: row.workflow_id, userId: row.user_id, credentialId: row.credential_id, configId: row.config_id };
  }

  private async close(gate: ClosedGate): Promise<void> {
    const now = nowIso();
    await repo.updateExecution(this.ctx.store.db, this.row.id, gate.status === 'CANCELLED'
      ? { status: 'CANCELLED', error: gate.reason, error_code: 'GATE_CLOSED', ended_at: now, updated_at: now }
      : { status: 'DELAYED', error: gate.reason, error_code: 'CREDENTIAL_INVALID', updated_at: now });
    if (gate.status === 'CANCELLED') this.metrics.ended('CANCELLED');
  }

  async run(): Promise<void> {
    const { ctx } = this;
    const gate = await checkGates(ctx, this.gateRef());
    if (!gate.open) return this.close(gate.closed);
    const subject = gate.subject;

    if (this.row.status === 'QUEUED') {
      if ((await repo.countExecuting(ctx.store.db, this.row.project_id)) >= ctx.config.workflowConcurrency) {
        // The project's limit is reached: look again shortly, as a new job (this one ends).
        await enqueueExecution(ctx.jobs, this.row.id, { runAt: new Date(Date.now() + 1000), round: Date.now() });
        return;
      }
      const now = nowIso();
      await repo.updateExecution(ctx.store.db, this.row.id, { status: 'EXECUTING', started_at: this.row.started_at ?? now, error: null, error_code: null, updated_at: now });
      this.row = { ...this.row, status: 'EXECUTING', started_at: this.row.started_at ?? now };
      this.metrics.started(this.row.trigger_type);
    }

    const trigger = JSON.parse(this.row.trigger_input) as TriggerInput;
    const context: RunContext = this.row.context ? (JSON.parse(this.row.context) as RunContext) : { steps: {} };
    const rows = new Map((await repo.listStepRows(ctx.store.db, this.row.id)).map((r) => [r.step_id, r]));
    this.seq = Math.max(0, ...[...rows.values()].map((r) => r.seq));
    this.secrets = secretValues(subject);
    const scope: TemplateScope = {
      user: { id: subject.user.userId, meta: subject.user.meta },
      settings: subject.settings,
      ...(trigger.event === undefined ? {} : { event: trigger.event }),
      ...(trigger.request === undefined ? {} : { request: trigger.request }),
      steps: context.steps,
      credential: { providerId: subject.credential.providerId },
    };

    const outcome = await this.walk(subject.workflow.definition.steps, scope, context, rows, subject, true);
    if (outcome !== 'done') return;
    const now = nowIso();
    await repo.updateExecution(ctx.store.db, this.row.id, { status: 'SUCCEEDED', ended_at: now, updated_at: now });
    this.metrics.ended('SUCCEEDED');
    this.helpers.log('workflow execution succeeded', { executionId: this.row.id, workflowId: this.row.workflow_id, steps: this.row.task_count });
  }

  private async walk(
    steps: readonly WorkflowStep[],
    scope: TemplateScope,
    context: RunContext,
    rows: Map<string, WorkflowStepExecutionTable>,
    subject: RunSubject,
    gatesChecked: boolean,
  ): Promise<'done' | 'stopped'> {
    let fresh = gatesChecked;
    for (const step of steps) {
      const done = rows.get(step.id);
      if (done?.status === 'SUCCEEDED') {
        if (step.type === 'condition') {
          const chosen = (context.steps[step.id]?.output as { result?: boolean } | undefined)?.result ? step.then : step.else;
          if ((await this.walk(chosen, scope, context, rows, subject, fresh)) === 'stopped') return 'stopped';
        }
        continue;
      }
      if (!fresh) {
        // Each step runs only while the gates are still open (the user may have been disabled meanwhile).
        const gate = await checkGates(this.ctx, this.gateRef());
        if (!gate.open) {
          await this.close(gate.closed);
          return 'stopped';
        }
      }
      fresh = false;
      const result = await this.runStep(step, scope, context, done, subject);
      if (result === 'stopped') return 'stopped';
      if (step.type === 'condition') {
        const chosen = (context.steps[step.id]?.output as { result?: boolean }).result ? step.then : step.else;
        if ((await this.walk(chosen, scope, context, rows, subject, false)) === 'stopped') return 'stopped';
      }
    }
    return 'done';
  }

  private async runStep(step: WorkflowStep, scope: TemplateScope, context: RunContext, previous: WorkflowStepExecutionTable | undefined, subject: RunSubject): Promise<'ok' | 'stopped'> {
    const { ctx, helpers } = this;
    const started = performance.now();
    const base: WorkflowStepExecutionTable = {
      id: previous?.id ?? newId(),
      execution_id: this.row.id,
      seq: previous?.seq ?? ++this.seq,
      step_id: step.id,
      type: step.type,
      status: 'EXECUTING',
      input: null,
      output: null,
      input_size: 0,
      output_size: 0,
      is_large_input: 0,
      is_large_output: 0,
      attempts: (previous?.attempts ?? 0) + 1,
      error: null,
      started_at: nowIso(),
      ended_at: null,
    };
    await repo.upsertStep(ctx.store.db, base);
    try {
      const { input, output } = await this.execute(step, scope, subject);
      context.steps[step.id] = { output };
      const shownIn = preview(input, this.secrets);
      const shownOut = preview(output, this.secrets);
      const now = nowIso();
      await ctx.store.db.transaction().execute(async (trx) => {
        await repo.upsertStep(trx, {
          ...base, status: 'SUCCEEDED', input: shownIn.json, output: shownOut.json, input_size: shownIn.size, output_size: shownOut.size,
          is_large_input: shownIn.large, is_large_output: shownOut.large, ended_at: now,
        });
        await repo.updateExecution(trx, this.row.id, {
          context: JSON.stringify(context),
          task_count: (this.row.task_count += 1),
          updated_at: now,
          ...(step.type === 'response' ? { response: JSON.stringify(output) } : {}),
        });
      });
      this.metrics.step(step.type, 'SUCCEEDED', started);
      return 'ok';
    } catch (caught) {
      const failure = caught instanceof StepFailure
        ? caught
        : caught instanceof TemplateError
          ? new StepFailure(caught.message, 'TEMPLATE_VARIABLE_MISSING', false)
          : isAppError(caught)
            ? new StepFailure(caught.message, caught.code, false)
            : new StepFailure((caught as Error).message ?? String(caught), 'STEP_ERROR', true);
      const detail = caught as { input?: unknown; output?: unknown };
      const shownIn = preview(detail.input, this.secrets);
      const shownOut = preview(detail.output, this.secrets);
      const now = nowIso();
      await repo.upsertStep(ctx.store.db, {
        ...base, status: 'FAILED', error: failure.message, input: shownIn.json, output: shownOut.json, input_size: shownIn.size, output_size: shownOut.size,
        is_large_input: shownIn.large, is_large_output: shownOut.large, ended_at: now,
      });
      this.metrics.step(step.type, 'FAILED', started);
      if (failure.pause) {
        await this.close({ status: 'DELAYED', reason: failure.message });
        return 'stopped';
      }
      if (failure.retryable && helpers.attempt < helpers.maxAttempts && !helpers.signal.aborted) {
        await repo.updateExecution(ctx.store.db, this.row.id, { error: `Step "${step.id}" failed (attempt ${helpers.attempt} of ${helpers.maxAttempts}, retried): ${failure.message}`, error_code: failure.code, updated_at: now });
        throw failure;
      }
      await this.fail(step.id, failure);
      return 'stopped';
    }
  }

  private async fail(stepId: string, failure: StepFailure): Promise<void> {
    const now = nowIso();
    const error = `Step "${stepId}" failed: ${failure.message}`;
    await this.ctx.events.transaction(async (trx) => {
      await repo.updateExecution(trx, this.row.id, { status: 'FAILED', error, error_code: failure.code, ended_at: now, updated_at: now });
      await this.ctx.events.emit(trx, 'execution.failed', {
        projectId: this.row.project_id,
        userId: this.row.end_user_id,
        actor: systemActor('workflows'),
        data: { executionId: this.row.id, workflowId: this.row.workflow_id, error: failure.code },
      });
    });
    this.metrics.ended('FAILED');
    this.helpers.log('workflow execution failed', { executionId: this.row.id, workflowId: this.row.workflow_id, code: failure.code });
  }

  private async execute(step: WorkflowStep, scope: TemplateScope, subject: RunSubject): Promise<{ input: unknown; output: unknown }> {
    const signal = this.helpers.signal;
    switch (step.type) {
      case 'http':
        return httpStep(this.ctx, step, scope, signal);
      case 'integration_request':
        return integrationStep(this.ctx, step, scope, subject, signal);
      case 'condition': {
        const left = render(step.if.left, scope);
        const right = render(step.if.right, scope);
        return { input: { left, op: step.if.op, right }, output: { result: compare(left, step.if.op, right) } };
      }
      case 'response': {
        const body = render(step.body ?? {}, scope);
        return { input: null, output: { status: step.status ?? 200, body } };
      }
    }
  }
}

/** Values a run must not show in Task History: the credential's account tokens never reach it; secret metadata would. */
function secretValues(subject: RunSubject): string[] {
  const keys = subject.state.project.secretMetaKeys;
  return keys.map((key) => subject.user.meta[key]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/** The run job's handler. */
export async function runExecutionJob(ctx: AppContext, payload: RunPayload, helpers: JobHelpers): Promise<void> {
  const row = await repo.findExecution(ctx.store.db, payload.executionId);
  // Deleted (erased user, deleted workflow), finished, or paused until its credential recovers.
  if (!row || TERMINAL.has(row.status) || row.status === 'DELAYED') return;
  await new ExecutionRun(ctx, row, helpers).run();
}

