import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Erasure's seam for workflow executions: deletes every execution (and its step records) of the
 * Connected User `userId` (the token's `sub`; `personaId` is Portico's own id of the user) in the
 * erasure's transaction, and says how many executions went. No executions are stored yet: the
 * executions tables arrive with workflow runs, which fill this in.
 */
export async function eraseUserExecutions(_trx: Transaction<Database>, _projectId: string, _userId: string, _personaId: string): Promise<number> {
  return 0;
}
