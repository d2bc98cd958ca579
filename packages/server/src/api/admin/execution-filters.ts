import { Type } from '@sinclair/typebox';
import { integrationOf } from '../../domain/connections/index.ts';
import type { ProjectState } from '../../domain/projects/index.ts';
import { EXECUTION_STATUSES, type ExecutionQuery } from '../../domain/workflows/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { StringEnum } from '../../platform/http/schemas.ts';

const Instant = (description: string) => Type.String({ minLength: 1, maxLength: 64, description: `${description}: an ISO 8601 date-time, a date (midnight UTC) or epoch milliseconds` });

/** The filters both execution lists take (Task History's names). */
export const ExecutionFilterQuery = {
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "The Connected User's id (token sub)" })),
  workflowId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  integration: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Integration type or id' })),
  status: Type.Optional(StringEnum(EXECUTION_STATUSES)),
  afterDate: Type.Optional(Instant('Runs created at or after this instant')),
  beforeDate: Type.Optional(Instant('Runs created at or before this instant')),
};

/**
 * The query as the workflows room takes it, or null when the integration named is not one of the
 * project's (no execution can match, as for an unknown user).
 */
export function executionQueryOf(state: ProjectState, query: { userId?: string | undefined; email?: string | undefined; workflowId?: string | undefined; integration?: string | undefined; status?: ExecutionQuery['status']; afterDate?: string | undefined; beforeDate?: string | undefined }): ExecutionQuery | null {
  let integrationId: string | undefined;
  if (query.integration !== undefined) {
    try {
      integrationId = integrationOf(state, query.integration).id;
    } catch (error) {
      if (isAppError(error) && error.code === 'INTEGRATION_NOT_FOUND') return null;
      throw error;
    }
  }
  return {
    userId: query.userId,
    email: query.email,
    workflowId: query.workflowId,
    integrationId,
    status: query.status,
    afterDate: query.afterDate,
    beforeDate: query.beforeDate,
  };
}
