/** Timestamps are ISO-8601 strings in application code on both stores (see db/dialect.ts). */
export interface ProjectTable {
  id: string;
  name: string;
  plan: string;
  /** JSON array of the top-level metadata keys whose values are sealed at rest (migration 0051). */
  secret_meta_keys?: string;
  created_at: string;
  updated_at: string;
}

export interface SigningKeyTable {
  id: string;
  project_id: string;
  public_key_pem: string;
  created_at: string;
  /** When the key was rotated out; null while it is the project's current key. */
  revoked_at: string | null;
  /** When it stops verifying tokens: null for the current key, the end of the grace period for a rotated-out one. */
  expires_at: string | null;
  /** The API key that generated or uploaded it through the Admin API; null when made by the CLI. */
  created_by_api_key_id: string | null;
}

export interface ApiKeyTable {
  id: string;
  project_id: string;
  name: string;
  /** SHA-256 of the key, hex; the key itself is shown once and never stored. */
  key_hash: string;
  /** First characters of the key, to tell keys apart in listings. */
  key_prefix: string;
  /** Space-separated scopes (`API_KEY_SCOPES`); `admin` is the whole Admin API. */
  scopes: string;
  created_at: string;
  /** When the key was rotated out or revoked. */
  revoked_at: string | null;
  /** When it stops authenticating: null for a current key, later than `revoked_at` during a rotation overlap. */
  expires_at: string | null;
  /** When it last authenticated a request, to the minute. */
  last_used_at?: string | null;
}
