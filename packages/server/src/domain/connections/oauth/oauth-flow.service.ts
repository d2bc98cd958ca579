import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { AppStore } from '../../database.ts';
import { userActor } from '../../events.ts';
import type { Config } from '../../../platform/config.ts';
import { AppError } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { parseJsonObject, type JsonObject } from '../../../platform/json/json.ts';
import type { JobQueue } from '../../../platform/jobs/index.ts';
import type { Clock } from '../../../platform/time/clock.ts';
import { fillTemplate, oauthRedirectUri, readClientSecret, type OAuthSettings } from '../../integrations/index.ts';
import type { ProjectState } from '../../projects/index.ts';
import { sealSecret } from '../../secrets/index.ts';
import type { ConnectedUser } from '../../users/index.ts';
import { userCredentials, type CredentialSecrets } from '../credentials.service.ts';
import { installTarget, oauthIntegration, parseInstallOptions, storeConnection } from '../install.service.ts';
import { checkInputs } from '../connect-inputs.ts';
import { AccountLookupError, identifyAccount, type AccountIdentity } from './account.ts';
import { checkNonceCookie, clearNonceCookie } from './nonce-cookie.ts';
import * as repo from './oauth-flows.repository.ts';
import type { OAuthFlowTable } from './oauth-flows.table.ts';
import { createPkcePair } from './pkce.ts';
import { TokenEndpointError, exchangeCode, expiresAtOf, type TokenSet } from './token-client.ts';

const hashState = (state: string): string => createHash('sha256').update(state, 'utf8').digest('hex');
const verifierBinding = (flowId: string) => ({ table: 'oauth_flows', field: 'code_verifier', rowId: flowId });
const valuesBinding = (flowId: string) => ({ table: 'oauth_flows', field: 'end_user_values', rowId: flowId });

/** The origins the callback page may post to: those CORS allows the Connect API to be called from. */
export function checkPostMessageOrigin(config: Pick<Config, 'corsOrigins'>, origin: string): string {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  const wellFormed = url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
  if (!wellFormed) {
    throw AppError.from('OAUTH_ORIGIN_NOT_ALLOWED', `originForPostMessage must be an origin such as https://app.example.com (scheme, host and port only); got "${origin.slice(0, 120)}".`);
  }
  if (!config.corsOrigins.includes('*') && !config.corsOrigins.includes(origin)) {
    throw AppError.from('OAUTH_ORIGIN_NOT_ALLOWED', `${origin} is not in PORTICO_CORS_ORIGINS; add it there to connect integrations from pages on it.`, { origin });
  }
  return origin;
}

function checkRedirectOverride(redirectUrl: string): string {
  try {
    const url = new URL(redirectUrl);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.hash && !url.username && !url.password) return url.href;
  } catch {
    // reported below
  }
  throw AppError.from('VALIDATION_FAILED', 'redirectUrl (the SDK\'s overrideRedirectUrl) must be an absolute http(s) URL without a fragment.', {
    errors: [{ in: 'querystring', path: '/redirectUrl', message: 'must be an absolute http(s) URL' }],
  });
}

function authorizationUrl(oauth: OAuthSettings, request: { redirectUri: string; state: string; challenge?: string | undefined; values: Readonly<Record<string, string>> }): string {
  const url = new URL(fillTemplate(oauth.authorizationUrl, request.values));
  for (const [name, value] of Object.entries(oauth.authorizeParams)) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', oauth.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  if (oauth.scopes.length > 0) url.searchParams.set('scope', oauth.scopes.join(oauth.scopeSeparator));
  url.searchParams.set('state', request.state);
  if (request.challenge !== undefined) {
    url.searchParams.set('code_challenge', request.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.href;
}

export interface StartFlowRequest {
  /** The integration's id (or type). */
  integrationRef: string;
  /** The SDK's polling key for `session-id/{oauthMetaKeyId}`. */
  oauthMetaKeyId?: string | undefined;
  originForPostMessage?: string | undefined;
  /** The SDK's overrideRedirectUrl: a redirect URI other than `{PORTICO_PUBLIC_URL}/oauth`. */
  redirectUrl?: string | undefined;
  installOptions: unknown;
  endUserSuppliedValues: unknown;
}

/**
 * `build-oauth`: records the flow (hashed state, sealed PKCE verifier, who and what it is for, the
 * credential it will replace, expiry) and answers the provider's authorization URL.
 */
export async function startOAuthFlow(ctx: AppContext, state: ProjectState, user: ConnectedUser, request: StartFlowRequest): Promise<{ redirectUrl: string }> {
  const { integration, oauth } = oauthIntegration(state, request.integrationRef);
  const origin = request.originForPostMessage === undefined ? null : checkPostMessageOrigin(ctx.config, request.originForPostMessage);
  const redirectUri = request.redirectUrl ? checkRedirectOverride(request.redirectUrl) : oauthRedirectUri(ctx.config.publicUrl);
  // Pre-OAuth inputs (Shopify's shop, Zendesk's subdomain) fill the provider's URLs: checked against their patterns first.
  const values = checkInputs(oauth.preOAuthInputs, request.endUserSuppliedValues ?? {}, '/endUserSuppliedValues');
  const options = parseInstallOptions(request.installOptions);
  const ofIntegration = (await userCredentials(ctx.store.db, user)).filter((c) => c.integrationId === integration.id);
  const target = installTarget(ofIntegration, options);

  const flowState = randomBytes(32).toString('base64url');
  const pkce = oauth.pkce ? createPkcePair() : undefined;
  const now = ctx.clock.now();
  const id = newId();
  await ctx.store.db.transaction().execute(async (trx) => {
    const row: OAuthFlowTable = {
      id,
      project_id: state.project.id,
      user_id: user.id,
      integration_id: integration.id,
      state_hash: hashState(flowState),
      oauth_meta_key_id: request.oauthMetaKeyId ?? null,
      redirect_uri: redirectUri,
      origin,
      install_options: JSON.stringify({ ...options, targetExternalId: target.externalId }),
      end_user_values: Object.keys(values).length > 0 ? await sealSecret(trx, ctx.secrets, valuesBinding(id), JSON.stringify(values)) : null,
      code_verifier: pkce ? await sealSecret(trx, ctx.secrets, verifierBinding(id), pkce.verifier) : null,
      target_credential_id: target.credentialId ?? null,
      status: 'pending',
      credential_id: null,
      error: null,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + ctx.config.oauthFlowTtlSeconds * 1000).toISOString(),
      consumed_at: null,
    };
    await repo.insertFlow(trx, row);
  });
  return { redirectUrl: authorizationUrl(oauth, { redirectUri, state: flowState, challenge: pkce?.challenge, values }) };
}

export interface CallbackRequest {
  state?: string | undefined;
  code?: string | undefined;
  /** The provider's `error` (RFC 6749 §4.1.2.1), e.g. access_denied. */
  error?: string | undefined;
  errorDescription?: string | undefined;
  /** The callback's other query parameters, for `callback.<param>` references (QuickBooks' realmId). */
  callbackParams?: Readonly<Record<string, string>> | undefined;
  cookieHeader?: string | undefined;
  /**
   * The users room's lookup of the user who started the flow, by Portico's id (passed in, as the
   * users room depends on this one).
   */
  findUser: (id: string) => Promise<ConnectedUser | undefined>;
}

/** What the callback page tells the user, and (for a trusted flow) the SDK in the opener. */
export type CallbackOutcome =
  | {
    ok: true;
    integration: { id: string; type: string; name: string };
    credentialId: string;
    reconnected: boolean;
    status: string;
    origin: string | null;
    /** Set-Cookie that deletes the flow's CSRF cookie. */
    clearCookie: string;
  }
  | {
    ok: false;
    error: AppError;
    integration: { id: string; type: string; name: string };
    origin: string | null;
    clearCookie: string;
  };

/** A flow checked against its state and CSRF cookie: refused (thrown) unless it is this browser's own, unused and unexpired. */
async function trustedFlow(ctx: AppContext, request: CallbackRequest) {
  if (!request.state) throw AppError.from('OAUTH_STATE_INVALID', 'The provider redirected back without a state; start connecting again from the app.');
  const flow = await repo.findFlowByStateHash(ctx.store.db, hashState(request.state));
  if (!flow) throw AppError.from('OAUTH_STATE_INVALID');
  if (flow.consumed_at !== null) throw AppError.from('OAUTH_STATE_USED');
  if (ctx.clock.now() >= Date.parse(flow.expires_at)) throw AppError.from('OAUTH_STATE_EXPIRED');
  const user = await request.findUser(flow.user_id);
  const state = await ctx.projects.get(flow.project_id);
  const integration = state?.integrationsById.get(flow.integration_id);
  if (!user || !state || !integration) throw AppError.from('OAUTH_STATE_INVALID', 'The user or integration this authorization was for no longer exists.');
  checkNonceCookie(ctx, request.cookieHeader, { projectId: flow.project_id, sub: user.userId, integrationId: flow.integration_id });
  if (!user.active) throw AppError.from('USER_DISABLED');
  return { flow, user, state, integration };
}

function tokenSecrets(tokens: TokenSet): CredentialSecrets {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    scope: tokens.scope,
    idToken: tokens.idToken,
    ...(Object.keys(tokens.extra).length > 0 ? { extra: tokens.extra } : {}),
  };
}

function failure(error: TokenEndpointError | AccountLookupError): AppError {
  if (error instanceof AccountLookupError) {
    return AppError.from('ACCOUNT_LOOKUP_FAILED', `${error.message} Nothing was connected.`, error.status === undefined ? {} : { status: error.status });
  }
  if (error.kind === 'blocked') return AppError.from('OUTBOUND_REQUEST_BLOCKED', `${error.message} Allow the host with PORTICO_OUTBOUND_ALLOW_HOSTS if it is meant to be private.`);
  const meta: JsonObject = { kind: error.kind };
  if (error.oauthError) meta.error = error.oauthError;
  if (error.description) meta.description = error.description;
  if (error.status !== undefined) meta.status = error.status;
  return AppError.from('OAUTH_TOKEN_EXCHANGE_FAILED', `${error.message} Nothing was connected; start connecting again.`, meta);
}

/**
 * `GET /oauth`: the provider's redirect back. A state that is unknown, used, expired, or not this
 * browser's (no or another CSRF cookie) is refused before anything is written. Otherwise the state
 * is claimed (it works once), the code exchanged at the token URL, the account read, and the
 * credential stored, new or in place, with `oauthMetaKeyId -> credentialId` for the SDK's polling.
 */
export async function completeOAuthFlow(ctx: AppContext, request: CallbackRequest): Promise<CallbackOutcome> {
  const { flow, user, state, integration } = await trustedFlow(ctx, request);
  const now = () => new Date(ctx.clock.now()).toISOString();
  if (!(await repo.claimFlow(ctx.store.db, flow.id, now()))) throw AppError.from('OAUTH_STATE_USED');
  const clearCookie = clearNonceCookie(ctx, integration.id);
  const about = { id: integration.id, type: integration.type, name: integration.name };
  const fail = async (error: AppError, status: 'denied' | 'failed' = 'failed'): Promise<CallbackOutcome> => {
    await repo.finishFlow(ctx.store.db, flow.id, { status, credential_id: null, error: error.code });
    return { ok: false, error, integration: about, origin: flow.origin, clearCookie };
  };

  if (request.error) {
    const description = request.errorDescription?.slice(0, 300);
    if (request.error === 'access_denied') {
      return fail(AppError.from('OAUTH_ACCESS_DENIED', `Access to ${integration.name} was declined at the provider; nothing was connected.`, { error: 'access_denied' }), 'denied');
    }
    return fail(AppError.from('OAUTH_PROVIDER_ERROR', `${integration.name} ended the authorization with "${request.error.slice(0, 64)}"${description ? `: ${description}` : ''}. Nothing was connected.`, {
      error: request.error.slice(0, 64), ...(description ? { description } : {}),
    }));
  }
  if (!request.code) return fail(AppError.from('OAUTH_CODE_MISSING'));

  let oauth: OAuthSettings;
  try {
    oauth = oauthIntegration(state, integration.id).oauth;
  } catch (error) {
    return fail(error as AppError);
  }
  let tokens: TokenSet;
  let identity: AccountIdentity;
  let receivedAt: number;
  const values = flow.end_user_values === null ? {} : (JSON.parse(ctx.secrets.open(flow.end_user_values, valuesBinding(flow.id))) as Record<string, string>);
  try {
    const clientSecret = await readClientSecret(ctx, integration.id);
    const codeVerifier = flow.code_verifier === null ? undefined : ctx.secrets.open(flow.code_verifier, verifierBinding(flow.id));
    const endpoint = { tokenUrl: fillTemplate(oauth.tokenUrl, values), clientId: oauth.clientId, clientSecret, clientAuth: oauth.clientAuth, bodyEncoding: oauth.tokenBodyEncoding };
    tokens = await exchangeCode(ctx.outbound, endpoint, { code: request.code, redirectUri: flow.redirect_uri, codeVerifier });
    receivedAt = ctx.clock.now();
    identity = await identifyAccount(ctx.outbound, oauth.account, {
      inputs: values, token: tokens.raw, callback: request.callbackParams, accessToken: tokens.accessToken, tokenType: tokens.tokenType,
    });
  } catch (error) {
    if (error instanceof TokenEndpointError || error instanceof AccountLookupError) return fail(failure(error));
    throw error;
  }

  const options = parseJsonObject(flow.install_options);
  const target = {
    credentialId: flow.target_credential_id ?? undefined,
    externalId: typeof options.targetExternalId === 'string' ? options.targetExternalId : undefined,
  };
  const stored = await ctx.events.transaction(async (trx) => {
    const result = await storeConnection(trx, ctx, state, user, integration, target, {
      secrets: { ...tokenSecrets(tokens), ...(Object.keys(values).length > 0 ? { inputs: values } : {}) },
      providerId: identity.providerId,
      providerData: identity.providerData,
      expiresAt: expiresAtOf(tokens.expiresIn === undefined ? { ...tokens, expiresIn: oauth.defaultExpiresInSeconds } : tokens, receivedAt),
      issuedAt: new Date(receivedAt).toISOString(),
      inputs: oauth.postOAuthInputs,
    }, userActor(user.userId));
    await repo.finishFlow(trx, flow.id, { status: 'connected', credential_id: result.credentialId, error: null });
    return result;
  });
  return { ok: true, integration: about, credentialId: stored.credentialId, reconnected: stored.reconnected, status: stored.status, origin: flow.origin, clearCookie };
}

/** `GET /sdk/actions/session-id/{oauthMetaKeyId}`: the credential the user's flow made, once it has. */
export async function oauthSession(ctx: AppContext, user: ConnectedUser, oauthMetaKeyId: string): Promise<{ connectCredentialId?: string }> {
  const session = await repo.findSession(ctx.store.db, user.id, oauthMetaKeyId);
  return session?.status === 'connected' && session.credential_id ? { connectCredentialId: session.credential_id } : {};
}

/** `DELETE /sdk/actions/session-id/{oauthMetaKeyId}`: the SDK is done polling. */
export async function forgetOAuthSession(ctx: AppContext, user: ConnectedUser, oauthMetaKeyId: string): Promise<number> {
  return repo.forgetSession(ctx.store.db, user.id, oauthMetaKeyId);
}

export const OAUTH_FLOW_PRUNE_JOB = 'portico.oauth-flows.prune';
/** Expired flows are kept this long (a late callback is then told "expired" rather than "unknown"). */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

/** Deletes flows expired for a day; hourly. */
export function registerOAuthFlowPruning(jobs: JobQueue, store: AppStore, clock: Clock): void {
  jobs.register(OAUTH_FLOW_PRUNE_JOB, async (_payload, helpers) => {
    const before = new Date(clock.now() - KEEP_EXPIRED_MS).toISOString();
    let deleted = 0;
    for (let batch = await repo.deleteExpiredFlows(store.db, before, 1000); batch > 0; batch = await repo.deleteExpiredFlows(store.db, before, 1000)) {
      deleted += batch;
      if (helpers.signal.aborted) break;
    }
    helpers.log('expired OAuth flows deleted', { deleted });
  }, { concurrency: 1 });
  jobs.schedule(OAUTH_FLOW_PRUNE_JOB, '41 * * * *');
}
