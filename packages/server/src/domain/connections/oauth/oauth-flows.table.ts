/** One OAuth connection attempt, from build-oauth to the provider's redirect back to `/oauth`. */
export interface OAuthFlowTable {
  id: string;
  project_id: string;
  /** The Connected User (connected_users.id) who started it. */
  user_id: string;
  integration_id: string;
  /** SHA-256 (hex) of the `state` sent to the provider; the state itself is never stored. */
  state_hash: string;
  /** The SDK's polling key (`session-id/{oauthMetaKeyId}`); cleared when the SDK deletes the session. */
  oauth_meta_key_id: string | null;
  /** The redirect_uri of the authorization request, sent again with the code. */
  redirect_uri: string;
  /** `originForPostMessage`: where the callback page may post its result. */
  origin: string | null;
  /** JSON: selectedCredentialId, externalId, allowMultipleCredentials … as the SDK sent them. */
  install_options: string;
  /** The pre-OAuth input values (the SDK's endUserSuppliedValues, checked), sealed JSON; null when there are none. */
  end_user_values: string | null;
  /** The PKCE verifier, sealed for this row and field; null without PKCE. */
  code_verifier: string | null;
  /** The credential to reconnect in place; null for a new one. */
  target_credential_id: string | null;
  /** pending until the callback; then connected, denied (the user declined) or failed. */
  status: 'pending' | 'connected' | 'denied' | 'failed';
  /** The credential made or reconnected. */
  credential_id: string | null;
  /** Why it ended without a credential (an error code). */
  error: string | null;
  created_at: string;
  expires_at: string;
  /** Set once, when a callback claims the state: a state works once. */
  consumed_at: string | null;
}
