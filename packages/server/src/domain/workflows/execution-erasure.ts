import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import { gateJobKey, tickJobKeysOfConfig } from './execution-jobs.ts';
import { deleteExecutionsOfUser } from './executions.repository.ts';

/** Whose executions and workflow jobs an erasure removes. */
export interface ErasedWorkflowUser {
  projectId: string;
  /** Portico's id of the user, which executions and tick jobs reference. */
  personaId: string;
  /** The user's outbox events: each may have a gate job carrying it. */
  eventIds: readonly string[];
  /** The user's credential configurations: each may have schedule ticks queued. */
  configIds: readonly string[];
}

/**
 * Erasure: deletes every execution of the user (their step records go with them) and the workflow
 * jobs whose payloads name the user (gate jobs of their events, schedule ticks of their
 * configurations), in the erasure's transaction; how many executions went. Run jobs carry only an
 * execution id and end at once when it is gone.
 */
export async function eraseUserExecutions(ctx: Pick<AppContext, 'jobs'>, trx: Transaction<Database>, user: ErasedWorkflowUser): Promise<number> {
  const executions = await deleteExecutionsOfUser(trx, user.projectId, user.personaId);
  await ctx.jobs.forget(user.eventIds.map(gateJobKey), { keyPatterns: user.configIds.map(tickJobKeysOfConfig), trx });
  return executions;
}
