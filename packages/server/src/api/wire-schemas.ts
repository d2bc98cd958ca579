import type { TSchema } from '@sinclair/typebox';
import { SdkProject } from '../domain/projects/index.ts';
import { ProjectWorkflow, WorkflowStateChange } from '../domain/workflows/index.ts';
import { ErrorBody } from '../platform/http/schemas.ts';

/**
 * Wire shapes used by more than one route, registered once (`app.addSchema`) and referenced by
 * `$id`, so the OpenAPI document lists each once under components.schemas.
 */
export const SHARED_SCHEMAS: readonly TSchema[] = [
  ErrorBody,
  SdkProject,
  WorkflowStateChange,
  ProjectWorkflow,
];
