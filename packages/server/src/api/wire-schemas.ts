import type { TSchema } from '@sinclair/typebox';
import { Credential, CredentialConfiguration, CredentialStatus, IntegrationState, WorkflowSettings } from '../domain/connections/index.ts';
import { ProjectIntegration, SdkIntegration } from '../domain/integrations/index.ts';
import { ApiKeyInfo, NewApiKey, SdkProject } from '../domain/projects/index.ts';
import { ProjectWorkflow, WorkflowInput, WorkflowPatch, WorkflowStateChange } from '../domain/workflows/index.ts';
import { AuditEvent } from '../domain/audit/index.ts';
import { Webhook, WebhookDelivery } from '../domain/webhooks/index.ts';
import { ErasureReceipt } from '../domain/erasure/index.ts';
import { ErrorBody } from '../platform/http/schemas.ts';

/**
 * Wire shapes used by more than one route, registered once (`app.addSchema`) and referenced by
 * `$id`, so the OpenAPI document lists each once under components.schemas.
 */
export const SHARED_SCHEMAS: readonly TSchema[] = [
  ErrorBody,
  CredentialStatus,
  WorkflowSettings,
  CredentialConfiguration,
  Credential,
  IntegrationState,
  SdkIntegration,
  SdkProject,
  WorkflowStateChange,
  ProjectIntegration,
  ProjectWorkflow,
  WorkflowInput,
  WorkflowPatch,
  NewApiKey,
  ApiKeyInfo,
  Webhook,
  WebhookDelivery,
  AuditEvent,
  ErasureReceipt,
];
