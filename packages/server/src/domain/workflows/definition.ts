import { Value } from '@sinclair/typebox/value';
import { Type, type TSchema } from '@sinclair/typebox';
import { UserSettingInput } from '../integrations/index.ts';
import { Cron } from 'croner';
import { AppError } from '../../platform/errors.ts';
import {
  Comparison, STEP_SCHEMAS, TRIGGER_SCHEMAS, WorkflowPermissions,
  type ConditionStep, type WorkflowDefinition, type WorkflowStep, type WorkflowTrigger,
} from './definition.schema.ts';
import { TemplateError, variablesDeep } from './template.ts';

const MAX_STEPS = 100;

function invalid(field: string, message: string): AppError {
  return AppError.from('WORKFLOW_INVALID', `${field}: ${message}`, { field });
}

/** The first schema error of `value`, as `field.path: message`. */
function checkSchema(schema: TSchema, value: unknown, field: string): void {
  const first = Value.Errors(schema, value).First();
  if (!first) return;
  const path = first.path.split('/').filter(Boolean).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
  let message = first.message.toLowerCase();
  if (first.value === undefined) message = 'is required';
  else if (first.schema && 'const' in first.schema) message = `must be "${String(first.schema.const)}"`;
  else if (first.schema && 'anyOf' in first.schema && Array.isArray(first.schema.anyOf) && first.schema.anyOf.every((s: TSchema) => 'const' in s)) {
    message = `must be one of ${first.schema.anyOf.map((s: TSchema) => JSON.stringify(s.const)).join(', ')}`;
  } else if (/required property/i.test(first.message)) message = 'is required';
  else if (/unexpected property/i.test(first.message)) message = 'is not a known field';
  throw invalid(`${field}${path}`, `${message}${typeof first.value === 'string' || typeof first.value === 'number' ? ` (got ${JSON.stringify(first.value).slice(0, 80)})` : ''}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function checkTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A cron expression of 5 (minute first) or 6 (second first) fields. */
export function parseCron(expression: string, timezone = 'UTC'): Cron {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw new Error(`has ${fields} fields; write 5 (minute hour day month weekday) or 6 (second first)`);
  return new Cron(expression, { paused: true, timezone, legacyMode: true });
}

function parseTrigger(value: unknown): WorkflowTrigger {
  if (value === undefined) return { type: 'request' };
  if (!isObject(value)) throw invalid('trigger', 'must be an object such as {"type": "event", "event": "Contact Created"}');
  const schema = typeof value.type === 'string' ? TRIGGER_SCHEMAS[value.type] : undefined;
  if (!schema) throw invalid('trigger.type', `must be one of "event", "request", "schedule", "integration_enabled" (got ${JSON.stringify(value.type ?? null)})`);
  checkSchema(schema, value, 'trigger');
  const trigger = value as WorkflowTrigger;
  if (trigger.type === 'schedule') {
    const zone = trigger.timezone ?? 'UTC';
    const templated = zone.includes('{{');
    if (!templated && !checkTimezone(zone)) throw invalid('trigger.timezone', `"${zone}" is not an IANA time zone (for example "Europe/Paris")`);
    try {
      parseCron(trigger.cron, templated ? 'UTC' : zone).nextRun();
    } catch (error) {
      throw invalid('trigger.cron', `"${trigger.cron}" ${(error as Error).message.replace(/^CronPattern: /, 'is not valid: ')}`);
    }
  }
  return trigger;
}

interface StepWalk {
  ids: Set<string>;
  count: number;
  trigger: WorkflowTrigger;
  /** Ids taken inside condition branches (unreadable after the condition, still unique). */
  reserved?: Set<string>;
}

const ROOTS = 'user.id, user.meta.KEY, settings.KEY, event.KEY, request.body/query/headers.KEY, steps.ID.output.KEY, credential.providerId';

function checkVariables(value: unknown, field: string, walk: StepWalk): void {
  let found;
  try {
    found = variablesDeep(value, field);
  } catch (error) {
    if (error instanceof TemplateError) throw invalid(field, error.message);
    throw error;
  }
  for (const { at, ref } of found) {
    const [root, second, third] = ref.path;
    const bad = (why: string) => invalid(at, `{{${ref.expression}}} ${why}`);
    switch (root) {
      case 'user':
        if (!(second === 'id' && ref.path.length === 2) && !(second === 'meta' && ref.path.length >= 3)) throw bad('is not a variable: use {{user.id}} or {{user.meta.KEY}}');
        break;
      case 'settings':
        if (ref.path.length < 2) throw bad('names no setting: use {{settings.KEY}}');
        break;
      case 'event':
        if (walk.trigger.type !== 'event') throw bad('needs an App Event trigger ({"type": "event"})');
        break;
      case 'request':
        if (walk.trigger.type !== 'request') throw bad('needs a Request trigger ({"type": "request"})');
        if (second !== 'body' && second !== 'query' && second !== 'headers') throw bad('is not a variable: use {{request.body.KEY}}, {{request.query.KEY}} or {{request.headers.KEY}}');
        break;
      case 'steps':
        if (second === undefined || third !== 'output') throw bad('is not a variable: use {{steps.ID.output}} or {{steps.ID.output.KEY}}');
        if (!walk.ids.has(second)) throw bad(`refers to step "${second}", which does not run before this one`);
        break;
      case 'credential':
        if (second !== 'providerId' || ref.path.length !== 2) throw bad('is not a variable: use {{credential.providerId}}');
        break;
      default:
        throw bad(`is not a variable; variables start with one of: ${ROOTS}`);
    }
  }
}

function checkUrl(url: string, field: string): void {
  if (url.startsWith('{{')) return;
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\{\{[^{}]*\}\}/g, 'x'));
  } catch {
    throw invalid(field, `"${url.slice(0, 80)}" is not an absolute URL (https://…)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid(field, 'must be an http or https URL');
}

function parseSteps(value: unknown, field: string, walk: StepWalk): WorkflowStep[] {
  if (!Array.isArray(value)) throw invalid(field, 'must be an array of steps');
  const steps: WorkflowStep[] = [];
  value.forEach((raw, index) => {
    const at = `${field}[${index}]`;
    if (!isObject(raw)) throw invalid(at, 'must be a step object with "id" and "type"');
    if (++walk.count > MAX_STEPS) throw invalid(at, `a workflow may have at most ${MAX_STEPS} steps`);
    const schema = typeof raw.type === 'string' ? STEP_SCHEMAS[raw.type] : undefined;
    if (!schema) throw invalid(`${at}.type`, `must be one of "http", "integration_request", "condition", "response" (got ${JSON.stringify(raw.type ?? null)})`);
    checkSchema(schema, raw, at);
    const step = raw as unknown as WorkflowStep;
    if (walk.ids.has(step.id)) throw invalid(`${at}.id`, `"${step.id}" is used by another step; step ids must be unique`);
    switch (step.type) {
      case 'http':
        checkUrl(step.url, `${at}.url`);
        checkVariables({ url: step.url, headers: step.headers, query: step.query, body: step.body }, at, walk);
        break;
      case 'integration_request':
        if (!step.path.startsWith('/') && !step.path.startsWith('{{')) throw invalid(`${at}.path`, 'must start with "/" (a path on the integration\'s API)');
        checkVariables({ path: step.path, headers: step.headers, query: step.query, body: step.body }, at, walk);
        break;
      case 'response':
        if (walk.trigger.type !== 'request') throw invalid(`${at}.type`, 'a "response" step answers a Request trigger; this workflow has a different trigger');
        checkVariables({ body: step.body }, at, walk);
        break;
      case 'condition': {
        checkSchema(Comparison, raw.if, `${at}.if`);
        checkVariables(raw.if, `${at}.if`, walk);
        walk.ids.add(step.id);
        const branch = (name: 'then' | 'else') => {
          // A branch's steps may read the steps before the condition and the ones before them in the branch.
          const before = new Set(walk.ids);
          const parsed = parseSteps(raw[name] ?? [], `${at}.${name}`, walk);
          const added = [...walk.ids].filter((id) => !before.has(id));
          return { parsed, added };
        };
        const thenBranch = branch('then');
        const elseBranch = branch('else');
        // Only one branch runs: later steps may not read a branch's steps (they are missing half the time).
        for (const id of [...thenBranch.added, ...elseBranch.added]) walk.ids.delete(id);
        walk.reserved ??= new Set();
        for (const id of [...thenBranch.added, ...elseBranch.added]) walk.reserved.add(id);
        const condition: ConditionStep = { ...(step as ConditionStep), then: thenBranch.parsed, else: elseBranch.parsed };
        steps.push(condition);
        return;
      }
    }
    if (walk.reserved?.has(step.id)) throw invalid(`${at}.id`, `"${step.id}" is used by another step; step ids must be unique`);
    walk.ids.add(step.id);
    steps.push(step);
  });
  return steps;
}

/** The steps of a definition in the order they may run (condition branches inline). */
export function flattenSteps(steps: readonly WorkflowStep[], out: WorkflowStep[] = []): WorkflowStep[] {
  for (const step of steps) {
    out.push(step);
    if (step.type === 'condition') {
      flattenSteps(step.then, out);
      flattenSteps(step.else, out);
    }
  }
  return out;
}

/**
 * Checks a workflow's trigger, steps and permissions and returns them typed; a mistake answers 400
 * WORKFLOW_INVALID naming the field (`steps[2].url`) and what to write instead.
 */
export function parseDefinition(input: { trigger?: unknown; steps?: unknown; permissions?: unknown; userSettings?: unknown; description?: string | undefined }): WorkflowDefinition {
  const trigger = parseTrigger(input.trigger);
  const walk: StepWalk = { ids: new Set(), count: 0, trigger };
  const steps = parseSteps(input.steps ?? [], 'steps', walk);
  const permissions = input.permissions ?? [];
  checkSchema(WorkflowPermissions, permissions, 'permissions');
  if (trigger.type === 'schedule' && trigger.timezone?.includes('{{')) checkVariables(trigger.timezone, 'trigger.timezone', walk);
  const userSettings = parseUserSettings(input.userSettings ?? []);
  return {
    ...(input.description === undefined ? {} : { description: input.description }),
    trigger, steps, permissions: permissions as WorkflowDefinition['permissions'],
    ...(userSettings.length === 0 ? {} : { userSettings }),
  };
}

const UserSettingList = Type.Array(UserSettingInput, { maxItems: 50 });

function parseUserSettings(raw: unknown): UserSettingInput[] {
  checkSchema(UserSettingList, raw, 'userSettings');
  const settings = raw as UserSettingInput[];
  const seen = new Set<string>();
  settings.forEach((setting, index) => {
    if ((setting.type === 'select' || setting.type === 'multiselect') && !setting.options) throw invalid(`userSettings[${index}].options`, `is required for a ${setting.type}: give the choices, e.g. ["EU", "US"]`);
    if (seen.has(setting.id)) throw invalid(`userSettings[${index}].id`, `"${setting.id}" is used twice`);
    seen.add(setting.id);
  });
  return settings;
}

/** A stored definition (null: a workflow defined before steps existed). */
export function storedDefinition(json: string | null | undefined): WorkflowDefinition {
  if (!json) return { trigger: { type: 'request' }, steps: [], permissions: [] };
  return JSON.parse(json) as WorkflowDefinition;
}
