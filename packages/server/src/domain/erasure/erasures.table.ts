/** The tombstone of an erased Connected User: enough to show the receipt again, nothing to identify them. */
export interface UserErasureTable {
  project_id: string;
  /** `userHash(projectId, userId)`: SHA-256, hex. */
  user_hash: string;
  erased_at: string;
  /** JSON of the receipt without the user id (`deleted`, `revoked`). */
  receipt: string;
}
