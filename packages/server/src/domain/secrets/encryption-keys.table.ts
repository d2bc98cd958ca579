/** An encryption key that sealed secrets, known by its fingerprint (an HMAC under the key, never the key). */
export interface EncryptionKeyTable {
  fingerprint: string;
  /** The version it was configured under (`v1`); two keys may share a version, never a fingerprint. */
  version: string;
  first_sealed_at: string;
  /** Set once no secret sealed with it remains (`portico secrets reseal`) or it was given up as lost. */
  retired_at: string | null;
}
