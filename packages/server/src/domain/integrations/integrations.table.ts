import type { Generated } from 'kysely';

export interface IntegrationTable {
  id: string;
  project_id: string;
  /** Built-in type such as `salesforce`, or `custom.<slug>`. */
  type: string;
  name: string;
  /** Id of the single portal configuration (`configs[0].id` on the wire). */
  config_id: string;
  /** JSON: portal configuration values (description, overview, sharedMeta …). */
  portal_config: string;
  /** 1 when users may connect it. */
  is_active: number;
  /** JSON `IntegrationAuthConfig`: OAuth client id, scopes, provider definition or overrides; never a secret. */
  auth_config: Generated<string>;
  /** The OAuth client secret, sealed for this row and field (`integrations.client_secret`); null when none. */
  client_secret: string | null;
  created_at: string;
  updated_at: string;
}
