import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import { connectionMethod, fillTemplate, readClientSecret, type Integration, type OAuthSettings } from '../integrations/index.ts';
import { transitionCredential } from './credential-health.ts';
import * as repo from './credentials.repository.ts';
import type { CredentialState } from './credentials.repository.ts';
import type { CredentialSecrets } from './credentials.service.ts';
import { TokenEndpointError, expiresAtOf, refreshToken, type TokenSet } from './oauth/token-client.ts';
import { scheduleRenewal } from './renewal-schedule.ts';
import { renewalTime } from './renewal-rule.ts';
import { sealCredentialSecrets, secretsBinding } from './secrets-at-rest.ts';

/**
 * Renewing a credential's access token with its refresh token: one renewal per credential at a
 * time, in this process (callers share the renewal in flight) and across nodes (PostgreSQL: the
 * credential row stays locked while the token endpoint is asked, and whoever waited re-reads it and
 * finds the new token). Every outcome is stored in the same transaction: new tokens and the next
 * scheduled renewal, an INVALID status with its reason, or one more refresh failure.
 */

/** Why a renewal is asked for. */
export type RenewalTrigger =
  /** Renew if the token is within its renewal window (or expired); `slackMs` counts as already passed. */
  | { kind: 'due'; slackMs?: number | undefined }
  /** The provider answered 401 with this access token: renew unless it was replaced meanwhile. */
  | { kind: 'rejected'; accessToken: string };

export type RenewalOutcome =
  | { kind: 'usable'; secrets: CredentialSecrets; refreshed: boolean }
  | { kind: 'gone' }
  | { kind: 'status'; status: 'INVALID' | 'PENDING'; reason: string | null }
  /** A transient failure (network, timeout, 5xx, 429, an answer without a token): retry later. */
  | { kind: 'unavailable'; message: string; failures: number }
  /** The SSRF guard refused the token URL: a configuration problem, not the credential's. */
  | { kind: 'blocked'; message: string };

type Step =
  | { kind: 'gone' }
  | { kind: 'status'; status: 'INVALID' | 'PENDING'; reason: string | null }
  | { kind: 'use'; secrets: CredentialSecrets }
  | { kind: 'invalid'; row: CredentialState; integration: Integration; reason: string }
  | { kind: 'call'; row: CredentialState; integration: Integration; oauth: OAuthSettings; clientSecret: string | undefined; secrets: CredentialSecrets; refreshToken: string };

type CallResult = { ok: true; tokens: TokenSet; receivedAt: number } | { ok: false; error: TokenEndpointError };

export function openSecrets(ctx: Pick<AppContext, 'secrets'>, row: Pick<CredentialState, 'id' | 'secrets'>): CredentialSecrets {
  return JSON.parse(ctx.secrets.open(row.secrets, secretsBinding(row.id))) as CredentialSecrets;
}

/** When the stored token was issued; rows stored before that was recorded fall back to the last refresh or creation. */
export function issuedAtOf(row: Pick<CredentialState, 'token_issued_at' | 'refreshed_at' | 'created_at'>): number {
  return Date.parse(row.token_issued_at ?? row.refreshed_at ?? row.created_at);
}

/** What renewing a credential needs besides its row, read before any transaction opens (no query may wait for a second connection inside it). */
interface RenewalContext {
  integration: Integration;
  oauth?: OAuthSettings | undefined;
  clientSecret?: string | undefined;
}

async function renewalContext(ctx: AppContext, row: CredentialState | undefined): Promise<RenewalContext | undefined> {
  if (!row) return undefined;
  const integration = (await ctx.projects.get(row.project_id))?.integrationsById.get(row.integration_id);
  if (!integration) return undefined;
  const method = connectionMethod(integration);
  if (method.scheme !== 'oauth2') return { integration };
  return { integration, oauth: method.oauth, clientSecret: await readClientSecret(ctx, integration.id) };
}

/** What to do with a credential read (locked, on PostgreSQL) for a renewal `trigger` asked after seeing `seenAccessToken`. */
function decide(ctx: AppContext, row: CredentialState | undefined, about: RenewalContext | undefined, seenAccessToken: string | undefined, trigger: RenewalTrigger): Step {
  if (!row || !about) return { kind: 'gone' };
  if (row.status !== 'VALID') return { kind: 'status', status: row.status, reason: row.status_reason };
  const secrets = openSecrets(ctx, row);
  // Someone renewed (or reconnected) it since the caller looked: that token is the answer.
  if (secrets.accessToken !== seenAccessToken) return { kind: 'use', secrets };
  const now = ctx.clock.now();
  const expiresAt = row.expires_at === null ? undefined : Date.parse(row.expires_at);
  if (trigger.kind === 'rejected') {
    if (secrets.accessToken !== trigger.accessToken) return { kind: 'use', secrets };
  } else if (expiresAt === undefined || now + (trigger.slackMs ?? 0) < renewalTime(issuedAtOf(row), expiresAt)) {
    return { kind: 'use', secrets };
  }
  const { integration } = about;
  if (!secrets.refreshToken) {
    if (trigger.kind === 'rejected') {
      return { kind: 'invalid', row, integration, reason: `${integration.name} refused the access token (HTTP 401) and issued no refresh token to renew it.` };
    }
    if (expiresAt !== undefined && now >= expiresAt) {
      return { kind: 'invalid', row, integration, reason: `The access token expired and ${integration.name} issued no refresh token to renew it.` };
    }
    return { kind: 'use', secrets };
  }
  if (!about.oauth) return { kind: 'use', secrets };
  return { kind: 'call', row, integration, oauth: about.oauth, clientSecret: about.clientSecret, secrets, refreshToken: secrets.refreshToken };
}

async function callTokenEndpoint(ctx: AppContext, step: Extract<Step, { kind: 'call' }>): Promise<CallResult> {
  try {
    const endpoint = {
      tokenUrl: fillTemplate(step.oauth.tokenUrl, step.secrets.inputs ?? {}),
      clientId: step.oauth.clientId,
      clientSecret: step.clientSecret,
      clientAuth: step.oauth.clientAuth,
      bodyEncoding: step.oauth.tokenBodyEncoding,
    };
    const tokens = await refreshToken(ctx.outbound, endpoint, { refreshToken: step.refreshToken });
    return { ok: true, tokens, receivedAt: ctx.clock.now() };
  } catch (error) {
    if (error instanceof TokenEndpointError) return { ok: false, error };
    throw error;
  }
}

function renewedSecrets(old: CredentialSecrets, tokens: TokenSet): CredentialSecrets {
  const extra = { ...old.extra, ...tokens.extra };
  return {
    ...old,
    accessToken: tokens.accessToken,
    // A provider that sends no new refresh token keeps the old one valid (RFC 6749 §6).
    refreshToken: tokens.refreshToken ?? old.refreshToken,
    tokenType: tokens.tokenType ?? old.tokenType,
    scope: tokens.scope ?? old.scope,
    idToken: tokens.idToken ?? old.idToken,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

function refusal(integration: Integration, error: TokenEndpointError): string {
  const what = error.oauthError ?? (error.status === undefined ? 'a refusal' : `HTTP ${error.status}`);
  const why = error.oauthError === 'invalid_client' || error.oauthError === 'unauthorized_client'
    ? ' (the project\'s OAuth client was refused: check its client id and secret)'
    : '';
  return `${integration.name} refused to renew the access token: ${what}${error.description ? ` (${error.description})` : ''}${why}.`;
}

/** OAuth error codes that mean "later", whatever status they come with (RFC 6749 §5.2, §4.1.2.1; RFC 8628 slow_down). */
const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);

/** A refusal asking again cannot change: invalid_grant (revoked or expired grant), invalid_client, unauthorized_client and other 4xx. */
function permanent(error: TokenEndpointError): boolean {
  if (error.kind !== 'rejected') return false;
  if (error.oauthError !== undefined && TRANSIENT_OAUTH_ERRORS.has(error.oauthError)) return false;
  return error.status !== 408 && error.status !== 425;
}

/** Stores the outcome of a step in `trx`: the one transaction that also holds the row lock on PostgreSQL. */
async function settle(trx: Transaction<Database>, ctx: AppContext, step: Step, result?: CallResult): Promise<RenewalOutcome> {
  if (step.kind === 'gone' || step.kind === 'status') return step;
  if (step.kind === 'use') return { kind: 'usable', secrets: step.secrets, refreshed: false };
  const at = new Date(ctx.clock.now()).toISOString();
  const subject = {
    credentialId: step.row.id, projectId: step.row.project_id, userSub: step.row.user_sub,
    integrationId: step.integration.id, integrationType: step.integration.type, from: step.row.status,
  };
  if (step.kind === 'invalid') {
    await transitionCredential(trx, ctx, subject, { to: 'INVALID', reason: step.reason, at });
    return { kind: 'status', status: 'INVALID', reason: step.reason };
  }
  if (!result) throw new Error('A renewal step that calls the token endpoint was settled without its result.');
  if (result.ok) {
    const secrets = renewedSecrets(step.secrets, result.tokens);
    const tokens = result.tokens.expiresIn === undefined ? { ...result.tokens, expiresIn: step.oauth.defaultExpiresInSeconds } : result.tokens;
    const expiresAt = expiresAtOf(tokens, result.receivedAt) ?? null;
    const issuedAt = new Date(result.receivedAt).toISOString();
    await repo.storeRefreshedTokens(trx, step.row.id, {
      secrets: await sealCredentialSecrets(trx, ctx.secrets, step.row.id, JSON.stringify(secrets)),
      expires_at: expiresAt,
      token_issued_at: issuedAt,
      refreshed_at: at,
      updated_at: at,
    });
    await scheduleRenewal(trx, ctx, step.row.id, issuedAt, expiresAt);
    return { kind: 'usable', secrets, refreshed: true };
  }
  const { error } = result;
  if (permanent(error)) {
    const reason = refusal(step.integration, error);
    await transitionCredential(trx, ctx, subject, { to: 'INVALID', reason, at, countFailure: true });
    return { kind: 'status', status: 'INVALID', reason };
  }
  const failures = await repo.countRefreshFailure(trx, step.row.id, at);
  return error.kind === 'blocked' ? { kind: 'blocked', message: error.message } : { kind: 'unavailable', message: error.message, failures };
}

/**
 * A renewal writes what the user's answers show (`dateRefreshed`, `dateValidUntil`, the failure
 * count) without a domain event unless the status changes: one event per token renewal would fill
 * the outbox and the audit timeline with routine. So once the renewal has committed, this node
 * drops the user's cached answers and, on PostgreSQL, tells the other nodes to (decision 55).
 */
async function renewOnce(ctx: AppContext, credentialId: string, seenAccessToken: string | undefined, trigger: RenewalTrigger): Promise<RenewalOutcome> {
  const row = await repo.findCredentialState(ctx.store.db, credentialId);
  try {
    return await renewAndStore(ctx, credentialId, row, seenAccessToken, trigger);
  } finally {
    if (row) await ctx.userAnswersChanged(row.project_id, row.user_sub);
  }
}

async function renewAndStore(ctx: AppContext, credentialId: string, row: CredentialState | undefined, seenAccessToken: string | undefined, trigger: RenewalTrigger): Promise<RenewalOutcome> {
  const about = await renewalContext(ctx, row);
  if (!about) return { kind: 'gone' };
  if (ctx.store.dialect === 'postgres') {
    // The row stays locked while the provider is asked: another node's renewal waits, then re-reads and finds the new token.
    return ctx.events.transaction(async (trx) => {
      const step = decide(ctx, await repo.lockCredentialState(trx, 'postgres', credentialId), about, seenAccessToken, trigger);
      return settle(trx, ctx, step, step.kind === 'call' ? await callTokenEndpoint(ctx, step) : undefined);
    });
  }
  // SQLite has one writer: no transaction stays open across the HTTP call. The decision is taken again
  // inside the writing transaction, which no other write interleaves with.
  const first = decide(ctx, await repo.findCredentialState(ctx.store.db, credentialId), about, seenAccessToken, trigger);
  const result = first.kind === 'call' ? await callTokenEndpoint(ctx, first) : undefined;
  return ctx.events.transaction(async (trx) => {
    const step = decide(ctx, await repo.findCredentialState(trx, credentialId), about, seenAccessToken, trigger);
    if (step.kind === 'call' && !result) return { kind: 'usable', secrets: step.secrets, refreshed: false } satisfies RenewalOutcome;
    return settle(trx, ctx, step, result);
  });
}

const inFlightByStore = new WeakMap<object, Map<string, Promise<RenewalOutcome>>>();

/**
 * Renews the credential if `trigger` still calls for it once its row is read (locked); callers in
 * this process that ask while a renewal of the same credential runs get that renewal's outcome.
 * `seenAccessToken` is the token the caller read: if the stored one differs, someone renewed it.
 */
export function renewCredential(ctx: AppContext, credentialId: string, seenAccessToken: string | undefined, trigger: RenewalTrigger): Promise<RenewalOutcome> {
  let inFlight = inFlightByStore.get(ctx.store);
  if (!inFlight) {
    inFlight = new Map();
    inFlightByStore.set(ctx.store, inFlight);
  }
  const running = inFlight.get(credentialId);
  if (running) return running;
  const renewal = renewOnce(ctx, credentialId, seenAccessToken, trigger).finally(() => inFlight.delete(credentialId));
  inFlight.set(credentialId, renewal);
  return renewal;
}

/** Whether a credential read now calls for a renewal (the cheap check before `renewCredential`). */
export function renewalDue(row: CredentialState, secrets: CredentialSecrets, trigger: RenewalTrigger, now: number): boolean {
  if (trigger.kind === 'rejected') return secrets.accessToken === trigger.accessToken;
  if (row.expires_at === null) return false;
  return now + (trigger.slackMs ?? 0) >= renewalTime(issuedAtOf(row), Date.parse(row.expires_at));
}
