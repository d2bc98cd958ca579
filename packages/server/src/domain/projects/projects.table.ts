/** Timestamps are ISO-8601 strings in application code on both stores (see db/dialect.ts). */
export interface ProjectTable {
  id: string;
  name: string;
  plan: string;
  created_at: string;
  updated_at: string;
}

export interface SigningKeyTable {
  id: string;
  project_id: string;
  public_key_pem: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ApiKeyTable {
  id: string;
  project_id: string;
  name: string;
  /** SHA-256 of the key, hex; the key itself is shown once and never stored. */
  key_hash: string;
  /** First characters of the key, to tell keys apart in listings. */
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
}
