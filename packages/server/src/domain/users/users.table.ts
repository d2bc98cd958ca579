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
  /** When the user was last active, kept to the minute. On PostgreSQL a column of `user_activity` (migration 0063), which reads join in (`usersAs`). */
  last_active_at: string;
  /** `meta.Name` and `meta.Email` as search compares them (`searchText`), kept with every metadata write. */
  search_name?: string | null;
  search_email?: string | null;
  /** The values of the project's secret metadata keys, sealed together (`secret-meta.ts`); `meta` holds "[secret]" for them. */
  secret_meta?: string | null;
}

/** One indexable top-level metadata value of a user (`indexedMetaValues`), for `meta.KEY=VALUE` search. */
export interface UserMetaValueTable {
  user_id: string;
  project_id: string;
  key: string;
  value: string;
  /** The user's `created_at`: the index lists a value's users in creation order (migration 0060). */
  created_at: string;
}

/** PostgreSQL: when each user was last active (migration 0063); SQLite keeps `connected_users.last_active_at`. */
export interface UserActivityTable {
  user_id: string;
  project_id: string;
  last_active_at: string;
}
