/*
 * TEMPORARY stand-in for the seam owned by wave4-health (same path and signature); it reads the
 * stored secrets without refreshing. Deleted before wave4-health is merged into this branch.
 */
import type { AppContext } from '../context.ts';
import { AppError } from '../../platform/errors.ts';
import { readSecrets, type CredentialSecrets } from './credentials.service.ts';

export async function usableSecrets(ctx: AppContext, credentialId: string, _options: { rejectedAccessToken?: string; signal?: AbortSignal } = {}): Promise<CredentialSecrets> {
  const secrets = await readSecrets(ctx, credentialId);
  if (!secrets) throw AppError.from('CREDENTIAL_NOT_FOUND');
  return secrets;
}
