import type { AppContext, ChangeDeps } from '../context.ts';
import type { Actor } from '../events.ts';
import { systemActor } from '../events.ts';
import { AppError } from '../../platform/errors.ts';
import { parseJsonObject, type JsonObject } from '../../platform/json/json.ts';
import { secretMetaKeysIn, updateSecretMetaKeys, type ProjectState } from '../projects/index.ts';
import { indexedMetaValues, searchColumns } from './search-keys.ts';
import { openSecretMeta, revealMeta, sealMeta, searchableMeta, secretMetaBinding, splitSecretMeta } from './secret-meta.ts';
import type { Db } from '../database.ts';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import { sealSecret } from '../secrets/index.ts';
import * as repo from './users.repository.ts';
import { toConnectedUser, type ConnectedUser } from './users.service.ts';

/** Rewrites the stored metadata of a project's users after its secret keys changed. */
export const SECRET_META_JOB = 'portico.users.secret-meta';

export const SECRET_META_LIMITS = { maxKeys: 50, maxKeyLength: 256 } as const;

interface SecretMetaJob {
  projectId: string;
}

const PAGE = 200;

/**
 * Sets the project's secret metadata keys. Values already stored under a key made secret are
 * sealed (and values of a key made public opened) by a durable job enqueued in the same
 * transaction; until it has passed a user, every answer redacts by the new set all the same.
 */
export async function setSecretMetaKeys(ctx: ChangeDeps & Pick<AppContext, 'jobs'>, projectId: string, keys: readonly string[], actor: Actor): Promise<string[]> {
  const unique = [...new Set(keys.map((key) => key.trim()))];
  if (unique.length !== keys.length) throw AppError.from('VALIDATION_FAILED', 'secretMetaKeys lists a key twice (after trimming); list each key once.', { errors: [{ in: 'body', path: '/secretMetaKeys', message: 'must list each key once' }] });
  for (const key of unique) {
    if (key.length === 0 || key.length > SECRET_META_LIMITS.maxKeyLength) {
      throw AppError.from('VALIDATION_FAILED', `Secret metadata keys must be 1 to ${SECRET_META_LIMITS.maxKeyLength} characters after trimming.`, { errors: [{ in: 'body', path: '/secretMetaKeys', message: 'keys must be 1-256 characters' }] });
    }
  }
  await ctx.events.transaction(async (trx) => {
    await updateSecretMetaKeys(ctx, trx, projectId, unique, actor);
    await ctx.jobs.enqueue<SecretMetaJob>(SECRET_META_JOB, { projectId }, { trx, maxAttempts: 10 });
  });
  return unique;
}

/** The user's metadata in clear, secret values included: for workflows only, never an API answer. */
export async function userMetaForWorkflows(ctx: Pick<AppContext, 'store' | 'secrets'>, projectId: string, userId: string): Promise<JsonObject | undefined> {
  const row = await repo.findUser(ctx.store.db, projectId, userId);
  return row ? revealMeta(ctx.secrets, row.id, row) : undefined;
}

/** A user by Portico's id with the metadata in clear, secret values included: for workflow runs only. */
export async function findUserForWorkflowsById(ctx: Pick<AppContext, 'store' | 'secrets'>, personaId: string): Promise<ConnectedUser | undefined> {
  const row = await repo.findUserById(ctx.store.db, personaId);
  return row ? { ...toConnectedUser(row), meta: revealMeta(ctx.secrets, row.id, row) } : undefined;
}

/** Metadata as the Admin API shows it with `?reveal=secrets` (admin scope). */
export async function revealedUserMeta(ctx: Pick<AppContext, 'store' | 'secrets'>, state: ProjectState, userId: string): Promise<JsonObject | undefined> {
  return userMetaForWorkflows(ctx, state.project.id, userId);
}

/**
 * The job: every user of the project, a page per transaction, stored again the way the current
 * keys say (secret values sealed, others in clear, search keys without secrets). Users whose
 * storage is already right are not written. Ends with `project.changed`, so every node's
 * per-user answers are built afresh.
 */
async function rewriteProject(ctx: AppContext, projectId: string, signal: AbortSignal): Promise<number> {
  let after = '';
  let rewritten = 0;
  for (;;) {
    if (signal.aborted) throw new Error('stopped before every user was rewritten; the retry goes on');
    const page = await ctx.events.transaction(async (trx) => {
      const secretKeys = new Set(await secretMetaKeysIn(trx, projectId));
      const rows = await repo.pageOfUsersForUpdate(trx, ctx.store.dialect, projectId, after, PAGE);
      for (const row of rows) {
        const clear = revealMeta(ctx.secrets, row.id, row);
        const { shown, secrets } = splitSecretMeta(clear, secretKeys);
        const sealedKeys = Object.keys(openSecretMeta(ctx.secrets, row.id, row.secret_meta)).sort().join('\u0000');
        if (JSON.stringify(shown) === JSON.stringify(parseJsonObject(row.meta)) && sealedKeys === Object.keys(secrets ?? {}).sort().join('\u0000')) continue;
        const sealed = await sealMeta(trx, ctx.secrets, row.id, clear, secretKeys);
        const searchable = searchableMeta(sealed.shown, secretKeys);
        await repo.restoreUserMeta(trx, row.id, sealed.meta, sealed.secretMeta, searchColumns(searchable));
        await repo.updateMetaValues(trx, row, indexedMetaValues(parseJsonObject(row.meta)), indexedMetaValues(searchable));
        rewritten++;
      }
      return rows;
    });
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  await ctx.events.transaction((trx) => ctx.events.emit(trx, 'project.changed', { projectId, actor: systemActor(SECRET_META_JOB), data: { what: 'project' } }));
  return rewritten;
}

/** Runs the rewrite jobs on this node; register before the queue starts. */
export function registerSecretMetaRewrite(ctx: AppContext): void {
  ctx.jobs.register<SecretMetaJob>(SECRET_META_JOB, async (payload, helpers) => {
    const rewritten = await rewriteProject(ctx, payload.projectId, helpers.signal);
    helpers.log('secret metadata keys applied to stored users', { projectId: payload.projectId, rewritten });
  }, { concurrency: 1 });
}

export interface SecretMetaResealReport {
  scanned: number;
  resealed: number;
  skipped: number;
  /** Ids (Portico's) of users whose secret metadata none of the configured keys opens. */
  unreadable: string[];
}

/** `portico secrets reseal`: every user's secret metadata sealed with the current key; a row changed meanwhile is left as written. */
export async function resealUserSecretMeta(db: Db, box: SecretBox, pageSize = 500): Promise<SecretMetaResealReport> {
  const report: SecretMetaResealReport = { scanned: 0, resealed: 0, skipped: 0, unreadable: [] };
  let afterId = '';
  for (;;) {
    const page = await repo.pageOfSecretMeta(db, afterId, pageSize);
    if (page.length === 0) return report;
    for (const row of page) {
      report.scanned++;
      const sealed = row.secret_meta!;
      if (!box.needsReseal(sealed)) continue;
      let plaintext: string;
      try {
        plaintext = box.open(sealed, secretMetaBinding(row.id));
      } catch {
        report.unreadable.push(row.id);
        continue;
      }
      const written = await db.transaction().execute(async (trx) => repo.replaceSecretMeta(trx, row.id, sealed, await sealSecret(trx, box, secretMetaBinding(row.id), plaintext)));
      if (written === 1) report.resealed++;
      else report.skipped++;
    }
    afterId = page.at(-1)!.id;
  }
}
