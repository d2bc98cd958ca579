/** A person who signs in to the dashboard. */
export interface StaffAccountTable {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  role: string;
  password_hash: string;
  /** Failed sign-ins in the current window (reset by a successful one or when the window ends). */
  failed_signins: number;
  failure_window_started_at: string | null;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

/** A signed-in browser. The cookie holds the token; only its SHA-256 is stored. */
export interface StaffSessionTable {
  token_hash: string;
  staff_id: string;
  /** Sent back in `x-csrf-token` with every change. */
  csrf_token: string;
  created_at: string;
  expires_at: string;
}
