import type { AppContext } from '../../app-context.ts';
import { integrationStates, type IntegrationState } from '../credentials/credential-view.ts';
import { userCredentials } from '../credentials/credentials.service.ts';
import type { ProjectState } from '../projects/project-cache.ts';
import type { ConnectedUser } from './users.service.ts';
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
