import type { AppContext } from '../context.ts';
import { integrationStates } from '../connections/index.ts';
import { userCredentials } from '../connections/index.ts';
import { toSdkProject, type ProjectState } from '../projects/index.ts';
import type { ConnectedUserDetails } from './user.schema.ts';
import type { SdkMe } from './sdk-me.schema.ts';
import { isActivityRecent, resolveUser, type ConnectedUser } from './users.service.ts';
import type { JsonObject } from '../../platform/json/json.ts';

/**
 * The body of `GET /sdk/me`, exactly what the official SDK's `authenticate` needs. It reads only
 * the user's row, credentials, configurations and workflow states besides the project state; every
 * change to those rows emits a domain event naming the user, which is what keeps the cache true.
 */
export async function buildSdkMe(ctx: AppContext, state: ProjectState, user: ConnectedUser): Promise<SdkMe> {
  const credentials = await userCredentials(ctx.store.db, user);
  return {
    authenticated: true,
    userId: user.userId,
    meta: user.meta,
    resources: [],
    project: toSdkProject(state),
    integrations: integrationStates(state, credentials),
  };
}

/** A Connected User as the Admin API shows it. */
export async function connectedUserDetails(ctx: AppContext, state: ProjectState, user: ConnectedUser): Promise<ConnectedUserDetails> {
  const me = await buildSdkMe(ctx, state, user);
  return {
    id: user.id,
    userId: me.userId,
    active: user.active,
    meta: me.meta,
    integrations: me.integrations,
    dateCreated: user.dateCreated,
    dateUpdated: user.dateUpdated,
    dateLastActive: user.dateLastActive,
    resources: me.resources,
    project: me.project,
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
  const cache = headerMeta === undefined ? ctx.sdkMeCache : undefined;
  const cached = cache?.get(state, sub, (lastActiveAt) => isActivityRecent(lastActiveAt));
  if (cached !== undefined) return cached;
  const ticket = cache?.beginRead();
  const user = await resolveUser(ctx, state, sub, headerMeta);
  const body = serialize(await buildSdkMe(ctx, state, user));
  if (ticket) cache?.set(state, sub, ticket, user.dateLastActive, body);
  return body;
}
