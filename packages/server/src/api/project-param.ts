import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../domain/context.ts';
import type { ProjectState } from '../domain/projects/index.ts';
import { AppError } from '../platform/errors.ts';
import { isUuid } from '../platform/ids.ts';

/** The project named by the `:projectId` path parameter, or 404 PROJECT_NOT_FOUND. */
export async function projectFromPath(ctx: AppContext, request: FastifyRequest): Promise<ProjectState> {
  const { projectId } = request.params as { projectId?: string };
  if (projectId === undefined || !isUuid(projectId)) {
    throw AppError.from('PROJECT_NOT_FOUND', `"${String(projectId).slice(0, 64)}" is not a project id (a UUID).`);
  }
  const state = await ctx.projects.get(projectId.toLowerCase());
  if (!state) throw AppError.from('PROJECT_NOT_FOUND');
  return state;
}
