import type { FastifyReply } from 'fastify';
import type { CallbackOutcome } from '../../domain/connections/index.ts';
import type { AppError, ErrorCode } from '../../platform/errors.ts';
import { scriptValue, sendPage } from '../../platform/http/html-page.ts';

/** The oauth-nonce page: tells the SDK in the opener that the CSRF cookie is set, so it sends the popup to the provider. */
export function sendNoncePage(reply: FastifyReply, integrationName: string, origin: string): FastifyReply {
  return sendPage(reply, {
    status: 200,
    title: `Connecting ${integrationName}`,
    heading: `Connecting ${integrationName}…`,
    paragraphs: ['This window continues to the sign-in page in a moment.'],
    script: `if (window.opener) window.opener.postMessage({ type: "oauth-nonce-loaded" }, ${scriptValue(origin)});`,
  });
}

/** The callback's page after the credential is stored: it closes itself; the SDK learns the result from session-id. */
export function sendConnectedPage(reply: FastifyReply, outcome: Extract<CallbackOutcome, { ok: true }>): FastifyReply {
  const verb = outcome.reconnected ? 'reconnected' : 'connected';
  return sendPage(reply, {
    status: 200,
    title: `${outcome.integration.name} ${verb}`,
    heading: `${outcome.integration.name} is ${verb}`,
    paragraphs: [outcome.status === 'PENDING' ? 'Finish the setup in the app. You can close this window.' : 'You can close this window.'],
    script: 'window.close();',
  });
}

const HEADINGS: Partial<Record<ErrorCode, string>> = {
  OAUTH_ACCESS_DENIED: 'Connection cancelled',
  OAUTH_STATE_INVALID: 'This link cannot be used',
  OAUTH_STATE_USED: 'This link was already used',
  OAUTH_STATE_EXPIRED: 'This link has expired',
  OAUTH_NONCE_MISSING: 'This connection was not started in this browser',
  OAUTH_NONCE_MISMATCH: 'This connection was not started in this browser',
};

/**
 * A page for a connection that did not happen. `opener` is given only for a flow that proved to be
 * this browser's own: the SDK there gets `oauth_error_callback`, which ends its install with the error.
 */
export function sendErrorPage(reply: FastifyReply, error: AppError, opener?: { origin: string; integrationId: string }): FastifyReply {
  const body = error.toBody();
  return sendPage(reply, {
    status: error.status,
    title: HEADINGS[error.code] ?? 'Could not connect',
    heading: HEADINGS[error.code] ?? 'Could not connect',
    paragraphs: [error.message, `Error code: ${error.code}`],
    script: opener
      ? `if (window.opener) window.opener.postMessage(${scriptValue({ type: 'oauth_error_callback', error: error.message, integrationId: opener.integrationId, errorResponse: body })}, ${scriptValue(opener.origin)});`
      : undefined,
  });
}
