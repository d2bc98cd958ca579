import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database, Db } from '../database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId, nowIso } from '../../platform/ids.ts';
import { parseJsonObject, type JsonObject } from '../../platform/json/json.ts';
import type { ProjectState } from '../projects/index.ts';
import { userActor, type Actor, type EmitInput, type PorticoEvents } from '../events.ts';
import type { ChangeDeps } from '../context.ts';
import { KeyedBatcher } from '../../platform/concurrency/keyed-batcher.ts';
import { applyMetaPatch, checkPatch } from './metadata.ts';
import { indexedMetaValues, searchColumns } from './search-keys.ts';
import { redactMeta, revealMeta, sealMeta, searchableMeta, splitSecretMeta } from './secret-meta.ts';
import { secretMetaKeysIn } from '../projects/index.ts';
import { connectionsJson, credentialsFromJson, userCredentials, type Credential } from '../connections/index.ts';
import * as repo from './users.repository.ts';
import type { ConnectedUserTable } from './users.table.ts';

export interface ConnectedUser {
  /** Portico's own id of the user (`personaId` on credentials). */
  id: string;
  projectId: string;
  /** The app's id for the user: the `sub` of their tokens. */
  userId: string;
  meta: JsonObject;
  active: boolean;
  dateCreated: string;
  dateUpdated: string;
  dateLastActive: string;
}

/** `dateLastActive` is written at most once a minute per user, to keep reads free of writes. */
const ACTIVITY_RESOLUTION_MS = 60_000;

/** Whether activity recorded at `lastActiveAt` is recent enough that a request need not write it again. */
export function isActivityRecent(lastActiveAt: string, now = Date.now()): boolean {
  return now - Date.parse(lastActiveAt) <= ACTIVITY_RESOLUTION_MS;
}

export function toConnectedUser(row: ConnectedUserTable): ConnectedUser {
  return {
    id: row.id,
    projectId: row.project_id,
    userId: row.external_id,
    meta: parseJsonObject(row.meta),
    active: row.disabled_at === null,
    dateCreated: row.created_at,
    dateUpdated: row.updated_at,
    dateLastActive: row.last_active_at,
  };
}

function newUserRow(projectId: string, externalId: string, now: string): ConnectedUserTable {
  return { id: newId(), project_id: projectId, external_id: externalId, meta: '{}', disabled_at: null, created_at: now, updated_at: now, last_active_at: now };
}

/**
 * The user's row, created on first sight in a transaction that also records `user.created`, so
 * that every node and the audit timeline hear of the new user.
 */
async function findOrCreateRow(ctx: AppContext, projectId: string, externalId: string): Promise<ConnectedUserTable> {
  const existing = await repo.findUser(ctx.store.db, projectId, externalId);
  if (existing) return existing;
  await ctx.events.transaction(async (trx) => {
    if (await repo.insertUserIfMissing(trx, newUserRow(projectId, externalId, nowIso()))) {
      await ctx.events.emit(trx, 'user.created', { projectId, userId: externalId, actor: userActor(externalId), data: {} });
    }
  });
  const created = await repo.findUser(ctx.store.db, projectId, externalId);
  if (!created) throw new Error(`Connected user ${externalId} vanished right after it was created`);
  return created;
}

/**
 * The Connected User behind a verified token, created on first sight. `headerMeta` is the legacy
 * `X-Paragon-User-Metadata` header, merged like a PATCH when the plan allows metadata.
 */
export async function resolveUser(ctx: AppContext, state: ProjectState, sub: string, headerMeta?: JsonObject): Promise<ConnectedUser> {
  const row = await findOrCreateRow(ctx, state.project.id, sub);
  if (row.disabled_at !== null) throw AppError.from('USER_DISABLED');
  if (headerMeta && Object.keys(headerMeta).length > 0 && state.features.has('user-metadata')) {
    const { serialized } = applyMetaPatch(parseJsonObject(row.meta), headerMeta);
    if (serialized !== row.meta) return patchUserMeta(ctx, state, sub, headerMeta);
  }
  return activeUser(ctx, row);
}

/**
 * {@link resolveUser} and the user's credentials (as `userCredentials` gives them), for an answer
 * built from both (`GET /sdk/me`): an existing user and everything they have connected are one
 * statement, prepared once (`Store.hotRead`); a new user takes the usual path.
 */
export async function resolveUserWithCredentials(ctx: AppContext, state: ProjectState, sub: string): Promise<{ user: ConnectedUser; credentials: Credential[] }> {
  const dialect = ctx.store.dialect;
  const row = await repo.findUserWithJson(ctx.store, state.project.id, sub, () => connectionsJson(dialect, 'u.id'));
  if (row) {
    if (row.disabled_at !== null) throw AppError.from('USER_DISABLED');
    const credentials = credentialsFromJson({ credentials: row.json_credentials, configs: row.json_configs, states: row.json_states });
    return { user: activeUser(ctx, row), credentials };
  }
  const user = await resolveUser(ctx, state, sub);
  return { user, credentials: await userCredentials(ctx.store.db, user) };
}

/** The user of an active row, recording their activity when it is not recent. */
function activeUser(ctx: AppContext, row: ConnectedUserTable): ConnectedUser {
  const now = Date.now();
  if (!isActivityRecent(row.last_active_at, now)) {
    // Activity is not an event: it changes no body any cache holds (the cache checks it itself).
    // It is written behind, together with every other user's of the moment (ActivityWrites).
    row.last_active_at = new Date(now).toISOString();
    ctx.activity.record(row.id, row.last_active_at);
  }
  return toConnectedUser(row);
}

/**
 * The user inside the caller's transaction, created when missing, refused when disabled: for writes
 * that must land together with the user or not at all (a credential import).
 */
export async function ensureUserIn(ctx: ChangeDeps, trx: Transaction<Database>, projectId: string, externalId: string, actor: Actor): Promise<ConnectedUser> {
  let row = await repo.findUser(trx, projectId, externalId);
  if (!row) {
    if (await repo.insertUserIfMissing(trx, newUserRow(projectId, externalId, nowIso()))) {
      await ctx.events.emit(trx, 'user.created', { projectId, userId: externalId, actor, data: {} });
    }
    row = await repo.findUser(trx, projectId, externalId);
    if (!row) throw new Error(`Connected user ${externalId} vanished right after it was created`);
  }
  if (row.disabled_at !== null) throw AppError.from('USER_DISABLED');
  return toConnectedUser(row);
}

/** A user by Portico's own id (`personaId`), for work that recorded it earlier (an OAuth flow). */
export async function findUserById(ctx: Pick<AppContext, 'store'>, id: string): Promise<ConnectedUser | undefined> {
  const row = await repo.findUserById(ctx.store.db, id);
  return row ? toConnectedUser(row) : undefined;
}

/** The user if they exist; never creates one (Admin API reads). */
export async function findUser(ctx: AppContext, projectId: string, externalId: string): Promise<ConnectedUser | undefined> {
  const row = await repo.findUser(ctx.store.db, projectId, externalId);
  return row ? toConnectedUser(row) : undefined;
}

/**
 * Disables or enables a user. A disabled user's Connect API calls answer 403 USER_DISABLED (their
 * tokens stay valid) and their workflows do not run; enabling restores everything as it was, since
 * nothing else is touched. Emits `user.disabled` / `user.enabled` only when the state changes.
 */
export async function setUserActive(ctx: ChangeDeps, projectId: string, externalId: string, active: boolean, actor: Actor): Promise<ConnectedUser> {
  return ctx.events.transaction(async (trx) => {
    const row = await repo.findUserForUpdate(trx, ctx.store.dialect, projectId, externalId);
    if (!row) throw AppError.from('USER_NOT_FOUND', `No Connected User "${externalId.slice(0, 80)}" in this project.`);
    if ((row.disabled_at === null) === active) return toConnectedUser(row);
    const now = nowIso();
    const disabledAt = active ? null : now;
    await repo.setDisabledAt(trx, row.id, disabledAt, now);
    await ctx.events.emit(trx, active ? 'user.enabled' : 'user.disabled', { projectId, userId: externalId, actor, data: {} });
    return toConnectedUser({ ...row, disabled_at: disabledAt, updated_at: now });
  });
}

export function requireMetadataFeature(state: ProjectState): void {
  if (!state.features.has('user-metadata')) {
    throw AppError.from('FEATURE_NOT_IN_PLAN', `User metadata is not included in the "${state.project.plan}" plan; move the project to pro or enterprise.`, {
      feature: 'user-metadata',
      plan: state.project.plan,
    });
  }
}

/**
 * JSON Merge Patch of the user's metadata, atomic per user: concurrent patches of different keys
 * all land. Creates the user when needed. Concurrent patches of one user share a transaction
 * (`UserMetaWrites`); each caller still gets the metadata as its own patch left it.
 */
export async function patchUserMeta(ctx: AppContext, state: ProjectState, sub: string, patch: JsonObject, actor: Actor = userActor(sub)): Promise<ConnectedUser> {
  requireMetadataFeature(state);
  checkPatch(patch);
  const user = await ctx.userMetaWrites.patch({ projectId: state.project.id, sub, patch, actor });
  return { ...user, meta: redactMeta(user.meta, state.secretMetaKeys) };
}

export interface MetaPatch {
  projectId: string;
  sub: string;
  patch: JsonObject;
  actor: Actor;
}

/**
 * The metadata writes of one process, batched per user. Every `PATCH /sdk/me` of a user locks the
 * same row until its commit, so N concurrent patches of one user used to run as N transactions one
 * after the other; here the ones that arrive while a transaction runs go into the next one, applied
 * in arrival order, one event each. A patch that fails (too large) fails alone.
 */
export class UserMetaWrites {
  private readonly batcher = new KeyedBatcher<MetaPatch, ConnectedUser>((_key, patches) => this.write(patches));

  constructor(private readonly deps: ChangeDeps & Pick<AppContext, 'secrets'>) {}

  patch(request: MetaPatch): Promise<ConnectedUser> {
    return this.batcher.run(`${request.projectId}\u0000${request.sub}`, request);
  }

  private write(patches: readonly MetaPatch[]): Promise<Array<ConnectedUser | Error>> {
    const { store, events, secrets } = this.deps;
    const { projectId, sub } = patches[0]!;
    return events.transaction(async (trx) => {
      let row = await repo.findUserForUpdate(trx, store.dialect, projectId, sub);
      if (!row) {
        if (await repo.insertUserIfMissing(trx, newUserRow(projectId, sub, nowIso()))) {
          await events.emit(trx, 'user.created', { projectId, userId: sub, actor: patches[0]!.actor, data: {} });
        }
        row = await repo.findUserForUpdate(trx, store.dialect, projectId, sub);
        if (!row) throw new Error(`Connected user ${sub} vanished right after it was created`);
      }
      if (row.disabled_at !== null) return patches.map(() => AppError.from('USER_DISABLED'));
      // Read in this transaction, not from the cache: a key made secret a moment ago is sealed here.
      const secretKeys = new Set(await secretMetaKeysIn(trx, projectId));
      const now = nowIso();
      const initial = JSON.stringify(revealMeta(secrets, row.id, row));
      let stored = initial;
      const outcomes: Array<ConnectedUser | Error> = [];
      const changes: Array<EmitInput<PorticoEvents['user.metadata.updated']>> = [];
      for (const { patch, actor } of patches) {
        let applied: { meta: JsonObject; serialized: string };
        try {
          applied = applyMetaPatch(parseJsonObject(stored), patch);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          outcomes.push(error);
          continue;
        }
        if (applied.serialized !== stored) {
          changes.push({ projectId, userId: sub, actor, data: { keys: Object.keys(patch).sort() } });
          stored = applied.serialized;
        }
        const shown = JSON.stringify(splitSecretMeta(applied.meta, secretKeys).shown);
        outcomes.push(toConnectedUser({ ...row, meta: shown, updated_at: now, last_active_at: now }));
      }
      await events.emitAll(trx, 'user.metadata.updated', changes);
      if (stored !== initial) {
        const sealed = await sealMeta(trx, secrets, row.id, parseJsonObject(stored), secretKeys);
        const searchable = searchableMeta(sealed.shown, secretKeys);
        await repo.updateUserMeta(trx, row.id, sealed.meta, sealed.secretMeta, now, searchColumns(searchable));
        await repo.updateMetaValues(trx, row, indexedMetaValues(parseJsonObject(row.meta)), indexedMetaValues(searchable));
      } else {
        await repo.touchUser(trx, row.id, now);
      }
      return outcomes;
    });
  }
}

/** The user with their row locked (PostgreSQL) in the caller's transaction, for a change that reads first (erasure). */
export async function lockUser(trx: Transaction<Database>, dialect: AppContext['store']['dialect'], projectId: string, externalId: string): Promise<ConnectedUser | undefined> {
  const row = await repo.findUserForUpdate(trx, dialect, projectId, externalId);
  return row ? toConnectedUser(row) : undefined;
}

/** Erasure: deletes the user's row and metadata search keys (after the other rooms erased theirs). */
export function deleteUserRow(trx: Transaction<Database>, personaId: string): Promise<void> {
  return repo.deleteUser(trx, personaId);
}
