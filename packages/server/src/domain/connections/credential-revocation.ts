import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import type { SecretBinding } from '../../platform/crypto/secret-box.ts';
import { connectionMethod, readClientSecret, type Integration, type RevokeSpec } from '../integrations/index.ts';
import { sealSecret } from '../secrets/index.ts';
import type { CredentialSecrets } from './credentials.service.ts';
import { RevokeError, revokeToken } from './oauth/revoke-client.ts';

export const CREDENTIAL_REVOKE_JOB = 'portico.credentials.revoke';

/** A revocation job's payload: who to revoke at, and the token sealed (never plaintext in the jobs table). */
export interface RevocationJob {
  revocationId: string;
  projectId: string;
  integrationId: string;
  credentialId: string;
  /** Sealed `RevocationSecret`, bound to this revocation. */
  sealed: string;
}

interface RevocationSecret {
  token: string;
  tokenType: 'access_token' | 'refresh_token';
  /** Placeholder values of the revocation URL: the credential's inputs and providerData. */
  values: Record<string, string>;
}

const bindingOf = (revocationId: string): SecretBinding => ({ table: 'jobs', field: 'payload.sealed', rowId: revocationId });

function revokeSpecOf(integration: Integration): RevokeSpec | undefined {
  try {
    const method = connectionMethod(integration);
    return method.scheme === 'oauth2' ? method.oauth.revoke : undefined;
  } catch {
    // Not configured any more: there is no client to revoke with.
    return undefined;
  }
}

function tokenToRevoke(spec: RevokeSpec, secrets: CredentialSecrets): Pick<RevocationSecret, 'token' | 'tokenType'> | undefined {
  // Revoking the refresh token ends the whole grant where the provider allows it; without one, the access token.
  if (spec.token === 'refresh_token' && secrets.refreshToken) return { token: secrets.refreshToken, tokenType: 'refresh_token' };
  if (secrets.accessToken) return { token: secrets.accessToken, tokenType: 'access_token' };
  return undefined;
}

/**
 * Enqueues, in the uninstall's transaction, a job that revokes the credential's grant at the
 * provider, when the integration has a revocation endpoint. The job carries the token sealed; it
 * runs after the commit and never holds up or fails the uninstall.
 */
export async function scheduleRevocation(
  trx: Transaction<Database>,
  ctx: Pick<AppContext, 'jobs' | 'secrets'>,
  integration: Integration,
  credential: { id: string; projectId: string; secrets: CredentialSecrets; providerData: Record<string, unknown> },
): Promise<boolean> {
  const spec = revokeSpecOf(integration);
  if (!spec) return false;
  const token = tokenToRevoke(spec, credential.secrets);
  if (!token) return false;
  const values: Record<string, string> = { ...credential.secrets.inputs };
  for (const [key, value] of Object.entries(credential.providerData)) if (typeof value === 'string' && !(key in values)) values[key] = value;
  const revocationId = randomUUID();
  const secret: RevocationSecret = { ...token, values };
  await ctx.jobs.enqueue<RevocationJob>(CREDENTIAL_REVOKE_JOB, {
    revocationId,
    projectId: credential.projectId,
    integrationId: integration.id,
    credentialId: credential.id,
    sealed: await sealSecret(trx, ctx.secrets, bindingOf(revocationId), JSON.stringify(secret)),
  }, { trx, maxAttempts: 4 });
  return true;
}

async function runRevocation(ctx: AppContext, payload: RevocationJob, log: (message: string, fields?: Record<string, unknown>) => void): Promise<void> {
  const about = { credentialId: payload.credentialId, integrationId: payload.integrationId };
  const integration = (await ctx.projects.get(payload.projectId))?.integrationsById.get(payload.integrationId);
  const spec = integration && revokeSpecOf(integration);
  if (!integration || !spec) {
    log('token not revoked: the integration is gone or has no revocation endpoint any more', about);
    return;
  }
  let secret: RevocationSecret;
  try {
    secret = JSON.parse(ctx.secrets.open(payload.sealed, bindingOf(payload.revocationId))) as RevocationSecret;
  } catch {
    log('token not revoked: the sealed token does not open with the configured keys', about);
    return;
  }
  const method = connectionMethod(integration);
  if (method.scheme !== 'oauth2') return;
  try {
    const { status } = await revokeToken(ctx.outbound, {
      spec, token: secret.token, tokenType: secret.tokenType, values: secret.values,
      clientId: method.oauth.clientId, clientSecret: await readClientSecret(ctx, integration.id),
    });
    log('token revoked at the provider', { ...about, integrationType: integration.type, tokenType: secret.tokenType, status });
  } catch (error) {
    if (!(error instanceof RevokeError)) throw error;
    // The message names the host and status only; a retry may help with network errors and 5xx.
    if (error.retryable) throw new Error(`revoking the token of credential ${payload.credentialId} failed: ${error.message}`);
    log('token not revoked: the provider refused the revocation', { ...about, integrationType: integration.type, reason: error.message });
  }
}

/** Runs revocation jobs on this node; register before the queue starts. */
export function registerCredentialRevocation(ctx: AppContext): void {
  ctx.jobs.register<RevocationJob>(CREDENTIAL_REVOKE_JOB, (payload, helpers) => runRevocation(ctx, payload, helpers.log), { concurrency: 2, timeoutMs: 30_000 });
}
