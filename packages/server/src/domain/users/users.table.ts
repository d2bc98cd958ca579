export interface ConnectedUserTable {
  id: string;
  project_id: string;
  /** The `sub` of the user's tokens: the app's own id for this user or organisation. */
  external_id: string;
  /** JSON object, text on both stores' wire (jsonb on PostgreSQL). */
  meta: string;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  last_active_at: string;
}
