import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import type { ProjectState } from '../projects/index.ts';
import { deleteWorkflowStatesOfUser } from '../workflows/index.ts';
import { scheduleRevocation } from './credential-revocation.ts';
import type { CredentialSecrets } from './credentials.service.ts';
import { deleteConnectionsOfUser, listConfigsOfUser, listSealedCredentialsOfUser } from './credentials.repository.ts';
import { secretsBinding } from './secrets-at-rest.ts';

export interface ErasedConnections {
  credentials: number;
  /** Workflow states (enablement and settings) of the user's configurations. */
  workflowSettings: number;
  /** Credentials whose grant a revocation job will revoke at the provider. */
  revoked: number;
  /** Ids of the configurations that went (schedule ticks name them). */
  configIds: string[];
}

/**
 * Erasure of everything the connections room holds about a user (Portico's id `personaId`), in the
 * caller's transaction: each credential's revocation is scheduled first (best effort: a token that
 * does not open, or an integration without a revocation endpoint, is skipped), then workflow
 * states, configurations, credentials and OAuth flows go.
 */
export async function eraseUserConnections(
  ctx: Pick<AppContext, 'jobs' | 'secrets'>,
  trx: Transaction<Database>,
  state: ProjectState,
  personaId: string,
): Promise<ErasedConnections> {
  const credentials = await listSealedCredentialsOfUser(trx, personaId);
  let revoked = 0;
  for (const credential of credentials) {
    const integration = state.integrationsById.get(credential.integration_id);
    if (!integration) continue;
    let secrets: CredentialSecrets;
    try {
      secrets = JSON.parse(ctx.secrets.open(credential.secrets, secretsBinding(credential.id))) as CredentialSecrets;
    } catch {
      continue; // unreadable with the configured keys: nothing to revoke with
    }
    let providerData: Record<string, unknown> = {};
    try {
      providerData = JSON.parse(credential.provider_data) as Record<string, unknown>;
    } catch {
      // revocation URLs rarely need it; go on without
    }
    if (await scheduleRevocation(trx, ctx, integration, { id: credential.id, projectId: state.project.id, secrets, providerData })) revoked++;
  }
  const configIds = (await listConfigsOfUser(trx, personaId)).map((config) => config.id);
  const workflowSettings = await deleteWorkflowStatesOfUser(trx, personaId);
  return { credentials: await deleteConnectionsOfUser(trx, personaId), workflowSettings, revoked, configIds };
}
