import type { AppContext } from '../context.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid, nowIso } from '../../platform/ids.ts';
import { selectConfiguration, selectCredential, userCredentials } from '../connections/index.ts';
import { lockCredentialConfig, touchCredential } from '../connections/index.ts';
import type { ProjectState } from '../projects/index.ts';
import { userActor, type Actor } from '../events.ts';
import type { ConnectedUser } from '../users/index.ts';
import type { WorkflowStateChange } from './workflow.schema.ts';
import { findWorkflowState, upsertWorkflowState } from './workflows.repository.ts';

type Refs = { credential?: string | undefined; configuration?: string | undefined };

/** Enables or disables one workflow for the user, in the selected credential's configuration. */
export async function setWorkflowEnabled(
  ctx: AppContext, state: ProjectState, user: ConnectedUser, workflowId: string, enabled: boolean, refs: Refs, actor: Actor = userActor(user.userId),
): Promise<WorkflowStateChange> {
  return (await switchWorkflow(ctx, state, user, workflowId, enabled, refs, actor, {}))!;
}

/**
 * Switches a workflow off for the Workflow Permissions re-check of a change made at `since`,
 * unless it is off already or was switched since (decided under the configuration's lock, after
 * the re-check's own reads); `undefined` when it was left alone.
 */
export function switchOffUnlessSwitchedSince(
  ctx: AppContext, state: ProjectState, user: ConnectedUser, workflowId: string, refs: Refs, actor: Actor, since: string,
): Promise<WorkflowStateChange | undefined> {
  return switchWorkflow(ctx, state, user, workflowId, false, refs, actor, { unlessSwitchedSince: since });
}

async function switchWorkflow(
  ctx: AppContext,
  state: ProjectState,
  user: ConnectedUser,
  workflowId: string,
  enabled: boolean,
  refs: Refs,
  actor: Actor,
  options: { unlessSwitchedSince?: string },
): Promise<WorkflowStateChange | undefined> {
  const workflow = isUuid(workflowId) ? state.workflowsById.get(workflowId.toLowerCase()) : undefined;
  if (!workflow) throw AppError.from('WORKFLOW_NOT_FOUND', `No workflow "${workflowId.slice(0, 80)}" in this project.`);
  const integration = state.integrationsById.get(workflow.integrationId);
  if (!integration) throw AppError.from('WORKFLOW_NOT_FOUND');
  const credential = selectCredential(await userCredentials(ctx.store.db, user), integration, refs.credential);
  if (enabled && credential.status !== 'VALID') {
    throw AppError.from('CREDENTIAL_NOT_VALID', `Cannot enable "${workflow.name}": the user's ${integration.name} credential is ${credential.status}; they must reconnect first.`, {
      credentialId: credential.id,
      credentialStatus: credential.status,
    });
  }
  const configuration = selectConfiguration(credential, refs.configuration);
  const now = nowIso();
  let skipped = false;
  await ctx.events.transaction(async (trx) => {
    if (!(await lockCredentialConfig(trx, ctx.store.dialect, credential.id, configuration.id))) {
      throw AppError.from('CREDENTIAL_NOT_FOUND', `Credential ${credential.id} was disconnected while this request ran.`);
    }
    if (options.unlessSwitchedSince !== undefined) {
      // Decided under the configuration's lock: a switch since `unlessSwitchedSince`, or a state
      // already as asked, is left alone (the permissions re-check read the state earlier).
      const current = await findWorkflowState(trx, configuration.id, workflow.id);
      if (!current || (current.enabled === 1) === enabled || (current.enabled_at ?? current.updated_at) >= options.unlessSwitchedSince) {
        skipped = true;
        return;
      }
    }
    await upsertWorkflowState(trx, {
      config_id: configuration.id,
      workflow_id: workflow.id,
      user_id: user.id,
      enabled: enabled ? 1 : 0,
      settings: JSON.stringify(configuration.workflowSettings[workflow.id]?.settings ?? {}),
      updated_at: now,
    }, { switched: true });
    await touchCredential(trx, credential.id, now);
    await ctx.events.emit(trx, enabled ? 'workflow.enabled' : 'workflow.disabled', {
      projectId: state.project.id,
      userId: user.userId,
      actor,
      data: { workflowId: workflow.id, credentialId: credential.id, configurationId: configuration.id },
    });
  });
  if (skipped) return undefined;
  return { workflowId: workflow.id, enabled, credentialId: credential.id, configurationId: configuration.id };
}
