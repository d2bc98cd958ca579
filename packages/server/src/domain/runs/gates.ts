import type { AppContext } from '../context.ts';
import { userCredentials } from '../connections/index.ts';
import type { Credential, CredentialConfiguration } from '../connections/index.ts';
import type { Integration } from '../integrations/index.ts';
import type { ProjectState } from '../projects/index.ts';
import { findUserForWorkflowsById, type ConnectedUser } from '../users/index.ts';
import { permitted } from '../workflows/index.ts';
import type { Workflow } from '../workflows/index.ts';

/** Everything a run of one workflow for one user needs, once every gate is open. */
export interface RunSubject {
  state: ProjectState;
  workflow: Workflow;
  integration: Integration;
  user: ConnectedUser;
  credential: Credential;
  configuration: CredentialConfiguration;
  /** The integration's shared settings with the workflow's own settings over them. */
  settings: Record<string, unknown>;
}

/** Why a run may not go on: `DELAYED` waits for the credential to work again; `CANCELLED` ends it. */
export interface ClosedGate {
  status: 'CANCELLED' | 'DELAYED';
  reason: string;
}

export type Gate = { open: true; subject: RunSubject } | { open: false; closed: ClosedGate };

const cancelled = (reason: string): Gate => ({ open: false, closed: { status: 'CANCELLED', reason } });

/** Whether the user has the workflow switched on in this configuration (Integration Enabled workflows are on unless switched off). */
export function isEnabledIn(workflow: Workflow, configuration: CredentialConfiguration): boolean {
  const setting = configuration.workflowSettings[workflow.id];
  return workflow.definition.trigger.type === 'integration_enabled' ? setting?.enabled !== false : setting?.enabled === true;
}

/**
 * The gates of a run, checked before it starts and before each step: the workflow still exists,
 * the user is active, the credential is VALID (INVALID pauses), the workflow is enabled in the
 * configuration, and its permissions hold for the user's metadata.
 */
export async function checkGates(
  ctx: AppContext,
  ref: { projectId: string; workflowId: string; userId: string; credentialId: string | null; configId: string | null },
): Promise<Gate> {
  const state = await ctx.projects.get(ref.projectId);
  const workflow = state?.workflowsById.get(ref.workflowId);
  if (!state || !workflow) return cancelled('The workflow was deleted.');
  const integration = state.integrationsById.get(workflow.integrationId);
  if (!integration) return cancelled('The integration was removed from the project.');
  // Workflows see the metadata in clear, secret keys included (Task History redacts them again).
  const user = await findUserForWorkflowsById(ctx, ref.userId);
  if (!user) return cancelled('The user was erased.');
  if (!user.active) return cancelled('The user is disabled.');
  const credentials = (await userCredentials(ctx.store.db, user)).filter((c) => c.integrationId === integration.id);
  const credential = ref.credentialId ? credentials.find((c) => c.id === ref.credentialId) : credentials[0];
  if (!credential) return cancelled(`The user has no ${integration.name} account connected (it was disconnected).`);
  if (credential.status === 'INVALID') return { open: false, closed: { status: 'DELAYED', reason: `The user's ${integration.name} account cannot be reached; the run waits for it to be reconnected.` } };
  if (credential.status !== 'VALID') return cancelled(`The user's ${integration.name} account is not set up yet (${credential.status}).`);
  const configuration = (ref.configId ? credential.configurations.find((c) => c.id === ref.configId) : undefined) ?? credential.configurations[0];
  if (!configuration) return cancelled('The configuration was deleted.');
  if (!isEnabledIn(workflow, configuration)) return cancelled(`The workflow "${workflow.name}" is not enabled for this user.`);
  if (!permitted(workflow.definition.permissions, user.meta)) return cancelled(`The workflow's permissions exclude this user (their metadata matches none of its rules).`);
  const settings = { ...configuration.sharedSettings, ...(configuration.workflowSettings[workflow.id]?.settings ?? {}) };
  return { open: true, subject: { state, workflow, integration, user, credential, configuration, settings } };
}
