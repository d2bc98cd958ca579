import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { UserSettingInput } from '../integrations/index.ts';

/**
 * A workflow definition as JSON: its trigger, its steps and who may use it. Strings anywhere in a
 * step may hold `{{variables}}` (see template.ts); a value that is exactly one `{{…}}` keeps the
 * variable's JSON type.
 */

export const COMPARISON_OPS = [
  'equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'endsWith',
  'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'exists', 'notExists', 'isTrue', 'isFalse',
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

const Op = Type.Union(COMPARISON_OPS.map((op) => Type.Literal(op)), { description: 'Comparison operator' });

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
const StepId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Unique within the workflow; later steps read `{{steps.ID.output…}}`' });

export const EventTrigger = Type.Object({ type: Type.Literal('event'), event: Name('App Event name sent by `paragon.event(name, payload)`') }, { additionalProperties: false });
export const RequestTrigger = Type.Object({ type: Type.Literal('request') }, { additionalProperties: false });
export const ScheduleTrigger = Type.Object(
  {
    type: Type.Literal('schedule'),
    cron: Type.String({ minLength: 1, maxLength: 120, description: '5-field (minute first) or 6-field (second first) cron expression', examples: ['*/5 * * * *'] }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'IANA zone, or a template such as `{{user.meta.TimeZone | "UTC"}}`', default: 'UTC' })),
  },
  { additionalProperties: false },
);
export const IntegrationEnabledTrigger = Type.Object({ type: Type.Literal('integration_enabled') }, { additionalProperties: false });

export const TRIGGER_SCHEMAS: Record<string, TSchema> = {
  event: EventTrigger,
  request: RequestTrigger,
  schedule: ScheduleTrigger,
  integration_enabled: IntegrationEnabledTrigger,
};

export const WorkflowTrigger = Type.Union([EventTrigger, RequestTrigger, ScheduleTrigger, IntegrationEnabledTrigger], { $id: 'WorkflowTrigger' });
export type WorkflowTrigger = Static<typeof WorkflowTrigger>;

const Method = Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)), { description: 'HTTP method' });
const Headers = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 8192 }), { description: 'Header values may hold variables' });

export const HttpStep = Type.Object(
  {
    id: StepId,
    type: Type.Literal('http'),
    method: Method,
    url: Type.String({ minLength: 1, maxLength: 4096, description: 'An http(s) URL (variables allowed); sent through the SSRF guard and PORTICO_OUTBOUND_ALLOW_HOSTS' }),
    headers: Type.Optional(Headers),
    query: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    body: Type.Optional(Type.Unknown({ description: 'JSON body (variables allowed)' })),
  },
  { additionalProperties: false },
);

export const IntegrationRequestStep = Type.Object(
  {
    id: StepId,
    type: Type.Literal('integration_request'),
    method: Method,
    path: Type.String({ minLength: 1, maxLength: 4096, description: "Path on the integration's API, sent with the user's credential (the proxy's code)" }),
    headers: Type.Optional(Headers),
    query: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    body: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

export const Comparison = Type.Object(
  { left: Type.Unknown({ description: 'A value or variable' }), op: Op, right: Type.Optional(Type.Unknown()) },
  { additionalProperties: false, $id: 'WorkflowComparison' },
);
export type Comparison = Static<typeof Comparison>;

export const ConditionStep = Type.Object(
  {
    id: StepId,
    type: Type.Literal('condition'),
    if: Comparison,
    then: Type.Array(Type.Unknown(), { maxItems: 100, description: 'Steps run when the comparison holds' }),
    else: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 100, description: 'Steps run otherwise' })),
  },
  { additionalProperties: false },
);

export const ResponseStep = Type.Object(
  {
    id: StepId,
    type: Type.Literal('response'),
    status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599, default: 200 })),
    body: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

export const STEP_SCHEMAS: Record<string, TSchema> = {
  http: HttpStep,
  integration_request: IntegrationRequestStep,
  condition: ConditionStep,
  response: ResponseStep,
};

export type HttpStep = Static<typeof HttpStep>;
export type IntegrationRequestStep = Static<typeof IntegrationRequestStep>;
export type ResponseStep = Static<typeof ResponseStep>;
export type ConditionStep = Omit<Static<typeof ConditionStep>, 'then' | 'else'> & { then: WorkflowStep[]; else: WorkflowStep[] };
export type WorkflowStep = HttpStep | IntegrationRequestStep | ConditionStep | ResponseStep;

/** One metadata condition of a permission rule. */
export const PermissionCondition = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 200, description: 'Top-level metadata key' }), op: Op, value: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);
export type PermissionCondition = Static<typeof PermissionCondition>;

/** OR of AND groups: the user may use the workflow when every condition of some group holds. */
export const WorkflowPermissions = Type.Array(Type.Array(PermissionCondition, { minItems: 1, maxItems: 20 }), {
  maxItems: 20,
  description: "Paragon's Workflow Permissions: an OR of AND groups of conditions over the user's metadata; empty or absent means everyone",
});
export type WorkflowPermissions = Static<typeof WorkflowPermissions>;

/** The stored definition (everything but name, integration and defaultEnabled). */
export interface WorkflowDefinition {
  description?: string | undefined;
  trigger: WorkflowTrigger;
  steps: WorkflowStep[];
  permissions: WorkflowPermissions;
  /** Settings the Connect Portal asks for when the user turns the workflow on (`workflowSettings[id].settings`). */
  userSettings?: UserSettingInput[] | undefined;
}

/** The JSON a workflow is written in (Admin API body, one file of `portico workflows apply`). */
export const WorkflowInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    integration: Type.String({ minLength: 1, maxLength: 128, description: 'Integration type or id' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    defaultEnabled: Type.Optional(Type.Boolean({ default: false, description: 'Enabled for a user as soon as they connect the integration' })),
    trigger: Type.Optional(Type.Unknown({ description: 'WorkflowTrigger: `{"type":"event","event":NAME}`, `{"type":"request"}`, `{"type":"schedule","cron":…,"timezone"?}` or `{"type":"integration_enabled"}`; default `{"type":"request"}`' })),
    steps: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 100, description: 'Steps: `http`, `integration_request`, `condition`, `response` (see docs/workflows.md)' })),
    permissions: Type.Optional(Type.Unknown({ description: 'OR of AND groups of `{key, op, value}` over user metadata' })),
    userSettings: Type.Optional(Type.Unknown({ description: 'Up to 50 settings the Connect Portal asks for once the workflow is on: `{id, title, type: text|number|boolean|select|multiselect, required?, options?, tooltip?}`' })),
  },
  { $id: 'WorkflowInput', description: 'A workflow definition' },
);
export type WorkflowInput = Static<typeof WorkflowInput>;

/** A partial change; `integration` cannot change (settings and states belong to it). */
export const WorkflowPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    defaultEnabled: Type.Optional(Type.Boolean()),
    trigger: Type.Optional(Type.Unknown()),
    steps: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 100 })),
    permissions: Type.Optional(Type.Unknown()),
    userSettings: Type.Optional(Type.Unknown()),
  },
  { $id: 'WorkflowPatch', additionalProperties: false },
);
export type WorkflowPatch = Static<typeof WorkflowPatch>;
