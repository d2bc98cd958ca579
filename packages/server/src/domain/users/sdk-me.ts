import type { AppContext } from '../context.ts';
import type { Db } from '../database.ts';
import { credentialsOfUsers, integrationStates, userCredentials, type Credential } from '../connections/index.ts';
import { toSdkProject, type ProjectState } from '../projects/index.ts';
import type { ConnectedUserDetails } from './user.schema.ts';
import type { SdkMe } from './sdk-me.schema.ts';
import { isActivityRecent, resolveUser, resolveUserWithCredentials, type ConnectedUser } from './users.service.ts';
import type { JsonObject } from '../../platform/json/json.ts';
import type { CachedAnswer } from './sdk-me-cache.ts';
import { redactMeta } from './secret-meta.ts';
import { userMetaForWorkflows } from './secret-meta.service.ts';

/**
 * The body of `GET /sdk/me`, exactly what the official SDK's `authenticate` needs. It reads only
 * the user's row, credentials, configurations and workflow states besides the project state; every
 * change to those rows emits a domain event naming the user, which is what keeps the cache true.
 */
export async function buildSdkMe(ctx: AppContext, state: ProjectState, user: ConnectedUser, loaded?: readonly Credential[]): Promise<SdkMe> {
  const credentials = loaded ?? (await userCredentials(ctx.store.db, user));
  return {
    authenticated: true,
    userId: user.userId,
    // Stored values are sealed already; this covers keys made secret that the rewrite job has not reached.
    meta: redactMeta(user.meta, state.secretMetaKeys),
    resources: [],
    project: toSdkProject(state),
    integrations: integrationStates(state, credentials),
  };
}

/** A Connected User as the Admin API shows it. */
export async function connectedUserDetails(ctx: AppContext, state: ProjectState, user: ConnectedUser, options: { revealSecrets?: boolean } = {}): Promise<ConnectedUserDetails> {
  const details = toUserDetails(state, toSdkProject(state), user, await userCredentials(ctx.store.db, user));
  if (!options.revealSecrets) return details;
  return { ...details, meta: (await userMetaForWorkflows(ctx, state.project.id, user.userId)) ?? details.meta };
}

/** Several Connected Users as the Admin API shows each (a page of search results): three queries for all of them, or `read` if the caller read their credentials already. */
export async function connectedUsersDetails(
  ctx: AppContext,
  state: ProjectState,
  users: readonly ConnectedUser[],
  db: Db = ctx.store.db,
  read?: ReadonlyMap<string, Credential[]>,
): Promise<ConnectedUserDetails[]> {
  const credentials = read ?? await credentialsOfUsers(db, users.map((user) => user.id));
  const project = toSdkProject(state);
  return users.map((user) => toUserDetails(state, project, user, credentials.get(user.id) ?? []));
}

function toUserDetails(state: ProjectState, project: SdkMe['project'], user: ConnectedUser, credentials: readonly Credential[]): ConnectedUserDetails {
  return {
    id: user.id,
    userId: user.userId,
    active: user.active,
    meta: redactMeta(user.meta, state.secretMetaKeys),
    integrations: integrationStates(state, credentials),
    dateCreated: user.dateCreated,
    dateUpdated: user.dateUpdated,
    dateLastActive: user.dateLastActive,
    resources: [],
    project,
  };
}

/**
 * `GET /sdk/me` serialized by `serialize` (the route's response serializer): from the SdkMeCache
 * when reading afresh would give the same bytes, otherwise resolved, read and built. `headerMeta`
 * (the legacy X-Paragon-User-Metadata header) may write, so it always takes the full path.
 */
export async function sdkMeJson(
  ctx: AppContext,
  state: ProjectState,
  sub: string,
  headerMeta: JsonObject | undefined,
  serialize: (me: SdkMe) => string,
): Promise<string> {
  if (headerMeta !== undefined) {
    return serialize(await buildSdkMe(ctx, state, await resolveUser(ctx, state, sub, headerMeta)));
  }
  return cachedUserAnswer(ctx, state, sub, 'me', async (user, credentials) => serialize(await buildSdkMe(ctx, state, user, credentials)), { credentials: true });
}

/**
 * A per-user answer, serialized: from the per-node cache when nothing the answer reads has changed
 * since (see SdkMeCache), otherwise the user is resolved (created on first sight, activity
 * recorded) and `build` runs, given the user's credentials too with `credentials: true` (read
 * with the user, in one statement on PostgreSQL). `build` must read only the user's own rows and
 * the project state.
 */
export async function cachedUserAnswer(
  ctx: AppContext,
  state: ProjectState,
  sub: string,
  answer: CachedAnswer,
  build: (user: ConnectedUser, credentials: readonly Credential[] | undefined) => Promise<string>,
  options: { credentials?: boolean } = {},
): Promise<string> {
  const cache = ctx.sdkMeCache;
  const cached = cache.get(state, sub, (lastActiveAt) => isActivityRecent(lastActiveAt), answer);
  if (cached !== undefined) return cached;
  const ticket = cache.beginRead();
  const { user, credentials } = options.credentials
    ? await resolveUserWithCredentials(ctx, state, sub)
    : { user: await resolveUser(ctx, state, sub), credentials: undefined };
  const body = await build(user, credentials);
  cache.set(state, sub, ticket, user.dateLastActive, body, answer);
  return body;
}
