import type { Actor, EmitInput, EventBus } from '../platform/events/index.ts';
import type { Database } from './database.ts';

/**
 * Every domain event: the change, recorded in the outbox in the same transaction as the change.
 * `userId` on an event is the Connected User's external id (the `sub` of their tokens), the id
 * every API shows. Names are stable (webhooks and the audit timeline expose them): add, never rename.
 */
export interface PorticoEvents {
  'user.created': Record<string, never>;
  /** `keys`: the top-level metadata keys the change touched (values are never recorded). */
  'user.metadata.updated': { keys: string[] };
  'user.disabled': Record<string, never>;
  'user.enabled': Record<string, never>;
  /** Everything Portico held about the user was deleted (GDPR erasure); the event keeps only the id. */
  'user.erased': Record<string, never>;
  'integration.installed': { integrationId: string; integrationType: string; credentialId: string };
  'integration.uninstalled': { integrationId: string; integrationType: string; credentialIds: string[] };
  /**
   * A credential's connected account was replaced in place (installIntegration with a selected or
   * existing credential): same id, configurations, settings and workflow states, new tokens.
   */
  'credential.reconnected': { integrationId: string; integrationType: string; credentialId: string; previousStatus: string; status: string };
  /**
   * A credential stopped working: the provider refused its refresh (invalid_grant, a revoked token,
   * invalid_client), or it expired without a refresh token. Workflows and the proxy fail fast until
   * the user reconnects. `reason` says why, in words (never a token).
   */
  'credential.invalid': { integrationId: string; integrationType: string; credentialId: string; reason: string };
  /** An INVALID credential works again: reconnected in place, or refreshed successfully. */
  'credential.recovered': { integrationId: string; integrationType: string; credentialId: string; reason: string };
  /** A PENDING credential got its post-OAuth inputs (`status` is VALID once every required one is given). */
  'credential.setup.completed': { integrationId: string; integrationType: string; credentialId: string; status: string };
  /** A user's settings of a credential configuration (shared and/or workflow settings) were replaced. */
  'credential.settings.updated': { credentialId: string; configurationId: string; shared: boolean; workflows: boolean };
  'workflow.enabled': { workflowId: string; credentialId: string; configurationId: string };
  'workflow.disabled': { workflowId: string; credentialId: string; configurationId: string };
  /** A workflow run ended in failure: ids and the error's code only, never step inputs or outputs. */
  'execution.failed': { executionId: string; workflowId: string; error: string };
  /** A finished execution was replayed: `executionId` is the new, queued run of the same workflow, user and trigger input. */
  'execution.replayed': { executionId: string; replayOf: string; workflowId: string };
  /** Project configuration every node caches: plan, signing keys, API keys, integrations, workflows. */
  'project.changed': { what: 'project' | 'plan' | 'signing-keys' | 'api-keys' | 'integrations' | 'workflows' };
}

export type DomainEvents = EventBus<PorticoEvents, Database>;
export type { Actor, EmitInput };

/** The end user acting through the Connect API. */
export const userActor = (sub: string): Actor => ({ kind: 'user', name: sub });
/** Portico itself (refresher, CLI, schedules). */
export const systemActor = (component: string): Actor => ({ kind: 'system', name: component });
