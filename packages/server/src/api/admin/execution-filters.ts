import { Type } from '@sinclair/typebox';
import { integrationOf } from '../../domain/connections/index.ts';
import type { AppContext } from '../../domain/context.ts';
import type { ProjectState } from '../../domain/projects/index.ts';
import { findUser, userIdsWithEmail } from '../../domain/users/index.ts';
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
 * The query as the workflows room takes it (users resolved to Portico's ids through the users
 * room), or null when nothing can match: the integration is not one of the project's, or no user
 * has the id or email given.
 */
export async function executionQueryOf(
  ctx: AppContext,
  state: ProjectState,
  query: { userId?: string | undefined; email?: string | undefined; workflowId?: string | undefined; integration?: string | undefined; status?: ExecutionQuery['status']; afterDate?: string | undefined; beforeDate?: string | undefined },
): Promise<ExecutionQuery | null> {
  let integrationId: string | undefined;
  if (query.integration !== undefined) {
    try {
      integrationId = integrationOf(state, query.integration).id;
    } catch (error) {
      if (isAppError(error) && error.code === 'INTEGRATION_NOT_FOUND') return null;
      throw error;
    }
  }
  let userIds: string[] | undefined;
  if (query.userId !== undefined) {
    const user = await findUser(ctx, state.project.id, query.userId);
    if (!user) return null;
    userIds = [user.id];
  }
  if (query.email !== undefined) {
    const withEmail = await userIdsWithEmail(ctx, state.project.id, query.email);
    userIds = userIds === undefined ? withEmail : userIds.filter((id) => withEmail.includes(id));
    if (userIds.length === 0) return null;
  }
  return { userIds, workflowId: query.workflowId, integrationId, status: query.status, afterDate: query.afterDate, beforeDate: query.beforeDate };
}
