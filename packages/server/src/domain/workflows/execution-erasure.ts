import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { deleteExecutionsOfUser } from './executions.repository.ts';

/**
 * Erasure: deletes every execution of the Connected User `userId` (the token's `sub`; `personaId`
 * is Portico's own id of the user, which executions reference) and their step records, in the
 * erasure's transaction; how many executions went. Runs still queued find their execution gone
 * and stop.
 */
export async function eraseUserExecutions(trx: Transaction<Database>, projectId: string, _userId: string, personaId: string): Promise<number> {
  return deleteExecutionsOfUser(trx, projectId, personaId);
}
