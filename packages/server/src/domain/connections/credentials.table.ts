import type { CredentialStatus } from './credential.schema.ts';

export interface CredentialTable {
  id: string;
  project_id: string;
  user_id: string;
  integration_id: string;
  status: CredentialStatus;
  provider_id: string | null;
  /** JSON object of non-secret account details (instance URL, workspace name …). */
  provider_data: string;
  /** AES-256-GCM envelope of `{ accessToken, refreshToken? }` (see lib/secret-box.ts). */
  secrets: string;
  external_id: string | null;
  expires_at: string | null;
  refresh_failure_count: number;
  refreshed_at: string | null;
  /** Why the status last changed between VALID and INVALID (e.g. the provider's invalid_grant). */
  status_reason: string | null;
  status_changed_at: string | null;
  /** When the stored access token was issued: with expires_at, its lifetime. */
  token_issued_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CredentialConfigTable {
  id: string;
  credential_id: string;
  user_id: string;
  is_default: number;
  external_id: string | null;
  /** JSON objects. */
  shared_settings: string;
  config_meta: string;
  created_at: string;
  updated_at: string;
}
