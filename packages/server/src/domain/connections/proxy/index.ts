/**
 * Calls to an integration's API with a user's credential: the Connect proxy and workflow request
 * steps share `callIntegrationApi`. Re-exported by the connections facade (`../index.ts`).
 */
export { outputJson, outputOf, returnedHeaders } from './api-http.ts';
export type { ApiTarget } from './api-target.ts';
export { callIntegrationApi } from './integration-api.service.ts';
export type { IntegrationApiCall, IntegrationApiResponse } from './integration-api.service.ts';
