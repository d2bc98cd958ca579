import type { AppContext } from '../../app-context.ts';
import { integrationStates, type IntegrationState } from '../credentials/credential-view.ts';
import { userCredentials } from '../credentials/credentials.service.ts';
import type { ProjectState } from '../projects/project-cache.ts';
import { isActivityRecent, resolveUser, type ConnectedUser } from './users.service.ts';
import type { JsonObject } from '../../lib/json.ts';

export interface SdkMe {
  authenticated: true;
  userId: string;
  meta: JsonObject;
  resources: unknown[];
  project: { id: string; billingPlan: string; accessibleFeatures: string[] };
  integrations: Record<string, IntegrationState>;
}

/** The body of `GET /sdk/me`, exactly what the official SDK's `authenticate` needs. */
export async function buildSdkMe(ctx: AppContext, state: ProjectState, user: ConnectedUser): Promise<SdkMe> {
  const credentials = await userCredentials(ctx.store.db, user);
  return {
    authenticated: true,
    userId: user.userId,
    meta: user.meta,
    resources: [],
    project: { id: state.project.id, billingPlan: state.billingPlan, accessibleFeatures: [...state.features] },
    integrations: integrationStates(state, credentials),
  };
}

/**
 * `GET /sdk/me` serialized by `serialize` (the route's response serializer): from the SdkMeCache
 * while nothing has changed since it was built, otherwise resolved, read and built afresh.
 * `headerMeta` (the legacy X-Paragon-User-Metadata header) may write, so it always takes the full path.
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
  const version = cache?.version();
  const user = await resolveUser(ctx, state, sub, headerMeta);
  const body = serialize(await buildSdkMe(ctx, state, user));
  cache?.set(state, sub, version, user.dateLastActive, body);
  return body;
}
