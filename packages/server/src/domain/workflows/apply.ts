import { Value } from '@sinclair/typebox/value';
import { isAppError } from '../../platform/errors.ts';
import type { ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { WorkflowInput } from './definition.schema.ts';
import { parseDefinition } from './definition.ts';
import { createWorkflow, updateWorkflow, type Workflow } from './workflows.service.ts';

/** One workflow read from a file of a folder (`portico workflows apply DIR`). */
export interface WorkflowSource {
  /** Where it came from, for messages: `contacts.json` or `all.json[2]`. */
  origin: string;
  body: unknown;
}

export interface ApplyTarget {
  projectId: string;
  workflows: readonly Workflow[];
  /** The integration a workflow names (type or id), if the project has it. */
  integration(reference: string): { id: string; type: string } | undefined;
}

export type ApplyOutcome = { origin: string; name: string; id: string; action: 'created' | 'updated' | 'unchanged' };

/** Every problem of a folder of workflows, each as `origin: field: message`; nothing was applied. */
export class WorkflowApplyError extends Error {
  override name = 'WorkflowApplyError';
  constructor(readonly problems: string[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing was applied:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

function sameDefinition(existing: Workflow, input: WorkflowInput): boolean {
  const next = parseDefinition(input);
  return existing.defaultEnabled === (input.defaultEnabled ?? false) && JSON.stringify(existing.definition) === JSON.stringify(next);
}

/**
 * Makes the project's workflows match the given definitions, matched by name: new names are
 * created, changed ones updated, the rest left alone (workflows not in the folder are kept).
 * Everything is checked first; one mistake anywhere applies nothing.
 */
export async function applyWorkflows(deps: ChangeDeps, target: ApplyTarget, sources: readonly WorkflowSource[], actor: Actor, options: { dryRun?: boolean } = {}): Promise<ApplyOutcome[]> {
  const problems: string[] = [];
  const checked: Array<{ origin: string; input: WorkflowInput; integrationId: string; existing: Workflow | undefined }> = [];
  const seen = new Map<string, string>();
  for (const { origin, body } of sources) {
    if (!Value.Check(WorkflowInput, body)) {
      const first = Value.Errors(WorkflowInput, body).First();
      problems.push(`${origin}: ${first ? `${first.path.replace(/^\//, '').replace(/\//g, '.') || '(the file)'}: ${first.value === undefined ? 'is required' : first.message.toLowerCase()}` : 'is not a workflow definition'}`);
      continue;
    }
    const input = body as WorkflowInput;
    if (seen.has(input.name)) {
      problems.push(`${origin}: name: "${input.name}" is also defined in ${seen.get(input.name)}; names identify workflows when applying`);
      continue;
    }
    seen.set(input.name, origin);
    const integration = target.integration(input.integration);
    if (!integration) {
      problems.push(`${origin}: integration: the project has no integration "${input.integration}"`);
      continue;
    }
    try {
      parseDefinition(input);
    } catch (error) {
      if (!isAppError(error)) throw error;
      problems.push(`${origin}: ${error.message}`);
      continue;
    }
    const existing = target.workflows.find((w) => w.name === input.name);
    if (existing && existing.integrationId !== integration.id) {
      problems.push(`${origin}: integration: "${input.name}" belongs to another integration; delete it first or give it a new name`);
      continue;
    }
    checked.push({ origin, input, integrationId: integration.id, existing });
  }
  if (problems.length > 0) throw new WorkflowApplyError(problems);

  const outcomes: ApplyOutcome[] = [];
  for (const { origin, input, integrationId, existing } of checked) {
    if (existing && sameDefinition(existing, input)) {
      outcomes.push({ origin, name: input.name, id: existing.id, action: 'unchanged' });
    } else if (existing) {
      if (!options.dryRun) {
        await updateWorkflow(deps, target.projectId, existing.id, {
          defaultEnabled: input.defaultEnabled ?? false,
          ...(input.description === undefined ? {} : { description: input.description }),
          trigger: input.trigger ?? { type: 'request' },
          steps: input.steps ?? [],
          permissions: input.permissions ?? [],
          userSettings: input.userSettings ?? [],
        }, actor);
      }
      outcomes.push({ origin, name: input.name, id: existing.id, action: 'updated' });
    } else {
      const id = options.dryRun
        ? '(dry run)'
        : (await createWorkflow(deps, { ...input, projectId: target.projectId, integrationId, defaultEnabled: input.defaultEnabled ?? false }, actor)).id;
      outcomes.push({ origin, name: input.name, id, action: 'created' });
    }
  }
  return outcomes;
}
