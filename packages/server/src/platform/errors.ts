/**
 * Every error Portico answers with. The wire format is Paragon's envelope
 * `{ message, code, status, meta? }`; `docs/errors.md` lists the same table.
 */
export const ERROR_CODES = {
  // Authentication (Connect API: User Token; Admin API: project API key)
  AUTHORIZATION_MISSING: { status: 401, message: 'Send an Authorization header: "Bearer <token>".' },
  AUTHORIZATION_MALFORMED: { status: 401, message: 'The Authorization header must be "Bearer <token>".' },
  TOKEN_MALFORMED: { status: 401, message: 'The User Token is not a well-formed JWT (three base64url parts: header.payload.signature).' },
  TOKEN_TOO_LARGE: { status: 401, message: 'The User Token is larger than 8 KiB.' },
  TOKEN_ALGORITHM_NOT_ALLOWED: { status: 401, message: 'User Tokens must be signed with RS256.' },
  TOKEN_SIGNATURE_INVALID: { status: 401, message: "The User Token's signature does not match this project's signing key." },
  TOKEN_EXPIRED: { status: 401, message: 'The User Token has expired; sign a new one.' },
  TOKEN_NOT_YET_VALID: { status: 401, message: 'The User Token is not valid yet (nbf or iat is in the future).' },
  TOKEN_CLAIM_MISSING: { status: 401, message: 'The User Token lacks a required claim (sub, iat and exp are required).' },
  TOKEN_CLAIM_INVALID: { status: 401, message: 'A claim of the User Token has the wrong type or value.' },
  TOKEN_AUDIENCE_MISMATCH: { status: 401, message: 'The User Token\'s "aud" claim names another project; use "useparagon.com/{projectId}" or omit it.' },
  PROJECT_SIGNING_KEY_MISSING: { status: 401, message: 'This project has no signing key; generate one with `portico keys rotate`.' },
  API_KEY_INVALID: { status: 401, message: 'The API key is unknown, revoked, or belongs to another project.' },
  API_KEY_SCOPE_MISSING: { status: 403, message: 'The API key lacks the scope this route needs.' },
  CREDENTIAL_INVALID: { status: 401, message: 'The connected account no longer works (the provider refused its tokens): the user must reconnect it.' },
  USER_DISABLED: { status: 403, message: 'This Connected User has been disabled by the project.' },
  FEATURE_NOT_IN_PLAN: { status: 403, message: "This project's plan does not include this feature." },
  STAFF_SESSION_MISSING: { status: 401, message: 'Sign in to the dashboard first (/dashboard/login); the session has ended or never began.' },
  STAFF_READ_ONLY: { status: 403, message: 'Viewers can look but not change anything; ask a dashboard admin.' },
  CSRF_TOKEN_INVALID: { status: 403, message: 'A change made with a dashboard session must carry the session\'s CSRF token in the x-csrf-token header.' },

  // Bad input
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  HTTP_REQUEST_MALFORMED: { status: 400, message: 'The request is not well-formed HTTP/1.1.' },
  PATH_SEGMENT_TOO_LONG: { status: 414, message: 'A path segment is longer than 512 characters.' },
  JSON_TOO_DEEP: { status: 400, message: 'JSON bodies may nest objects and arrays at most 32 levels deep.' },
  INVALID_CHARACTERS: { status: 400, message: 'Text may not contain NUL characters (U+0000) or unpaired UTF-16 surrogates.' },
  BODY_FORBIDDEN_KEY: { status: 400, message: 'JSON keys "__proto__", "constructor" and "prototype" are not allowed.' },
  JSON_TOO_MANY_ENTRIES: { status: 400, message: 'A JSON body may hold at most 10,000 entries (object keys plus array items); metadata and settings routes allow fewer.' },
  NUMBER_NOT_FINITE: { status: 400, message: 'Numbers must be finite: a literal such as 1e400 overflows to Infinity, which JSON cannot store.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than this route accepts (meta.limit, in bytes).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON with "Content-Type: application/json".' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  METADATA_TOO_LARGE: { status: 413, message: 'User metadata may be at most 64 KiB once serialized.' },
  METADATA_TOO_DEEP: { status: 400, message: 'User metadata may nest objects at most 8 levels deep.' },
  METADATA_KEY_INVALID: { status: 400, message: 'Metadata keys must be 1 to 256 characters after trimming.' },
  METADATA_KEY_FORBIDDEN: { status: 400, message: 'Metadata keys "__proto__", "constructor" and "prototype" are not allowed.' },
  METADATA_KEY_DUPLICATE: { status: 400, message: 'Two keys of the patch become the same key once trimmed (and "name"/"email" once capitalized); send only one.' },
  METADATA_VALUE_INVALID: { status: 400, message: 'Metadata "Name" must be a string and "Email" a string holding an email address (or null to delete them).' },
  SETTINGS_TOO_LARGE: { status: 413, message: 'User settings may be at most 64 KiB once serialized: sharedSettings, and the workflow settings together.' },
  SETTINGS_TOO_DEEP: { status: 400, message: 'User settings may nest objects and arrays at most 8 levels deep.' },
  USER_METADATA_HEADER_INVALID: { status: 400, message: 'The X-Paragon-User-Metadata header must be a JSON object.' },
  INTEGRATION_TYPE_UNKNOWN: { status: 400, message: 'Unknown integration type.' },
  SIGNING_KEY_INVALID: { status: 400, message: 'The uploaded signing key must be an RSA public key (PEM) of at least 2048 bits.' },
  SIGNING_KEY_IS_PRIVATE: { status: 400, message: 'publicKeyPem holds a private key. Never send a private key to Portico or anyone else: upload only the public half, and treat this key pair as exposed.' },
  WORKFLOW_INTEGRATION_MISMATCH: { status: 400, message: 'The workflow belongs to another integration.' },
  WORKFLOW_INVALID: { status: 400, message: 'The workflow definition is not valid; meta.field names the field (for example steps[2].url) and the message says what to write.' },
  WORKFLOW_TRIGGER_MISMATCH: { status: 400, message: 'This workflow is not started this way: only a workflow with a Request trigger answers POST /sdk/triggers/{workflowId}.' },
  EVENT_INVALID: { status: 400, message: 'An App Event needs a "name" (1 to 200 characters) and, optionally, a JSON object "payload".' },
  INTEGRATION_SCHEME_MISMATCH: { status: 400, message: 'This integration connects another way: OAuth integrations through installIntegration (build-oauth), API-key integrations through POST /sdk/credentials.' },
  CREDENTIAL_INPUT_INVALID: { status: 400, message: "The connection inputs do not match the integration's inputs (meta.errors names each one)." },
  OAUTH_ORIGIN_NOT_ALLOWED: { status: 400, message: 'originForPostMessage must be an http(s) origin allowed by PORTICO_CORS_ORIGINS.' },
  OAUTH_STATE_INVALID: { status: 400, message: 'This authorization link is unknown to Portico (a missing, altered or forged state); start connecting again from the app.' },
  OAUTH_STATE_USED: { status: 400, message: 'This authorization link was already used; start connecting again from the app.' },
  OAUTH_STATE_EXPIRED: { status: 400, message: 'This authorization link has expired; start connecting again from the app.' },
  OAUTH_NONCE_MISSING: { status: 400, message: 'The browser did not send the cookie Portico set when this connection started (cookies blocked, another browser, or a link opened from elsewhere); start connecting again from the app.' },
  OAUTH_NONCE_MISMATCH: { status: 400, message: 'The browser sent a connection cookie of another user, integration or connection attempt, or an expired one; start connecting again from the app.' },
  OAUTH_CODE_MISSING: { status: 400, message: 'The provider redirected back without an authorization code or an error.' },
  WEBHOOK_URL_NOT_ALLOWED: { status: 400, message: 'Webhook URLs must be absolute http(s) URLs without credentials whose host resolves to a public address (or one PORTICO_OUTBOUND_ALLOW_HOSTS allows).' },

  OAUTH_ACCESS_DENIED: { status: 403, message: 'The account owner declined the authorization at the provider; nothing was connected.' },
  OUTBOUND_REQUEST_BLOCKED: { status: 403, message: 'The outbound request targets a loopback, private, link-local or metadata address; the project must allow that host explicitly.' },
  WORKFLOW_NOT_PERMITTED: { status: 403, message: "The workflow's permissions exclude this user: their metadata matches none of its rules." },
  WORKFLOW_NOT_ENABLED: { status: 403, message: 'The user has not enabled this workflow (or the integration it belongs to is not connected).' },

  // Missing things
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  PROJECT_NOT_FOUND: { status: 404, message: 'No project with this id.' },
  USER_NOT_FOUND: { status: 404, message: 'No Connected User with this id in this project.' },
  INTEGRATION_NOT_FOUND: { status: 404, message: 'No integration with this id or type in this project.' },
  INTEGRATION_NOT_INSTALLED: { status: 404, message: 'The user has not connected this integration.' },
  CREDENTIAL_NOT_FOUND: { status: 404, message: 'No credential with this id for this user.' },
  CONFIGURATION_NOT_FOUND: { status: 404, message: 'No configuration with this id for this credential.' },
  WORKFLOW_NOT_FOUND: { status: 404, message: 'No workflow with this id in this project.' },
  JOB_NOT_FOUND: { status: 404, message: 'No job with this id.' },
  API_KEY_NOT_FOUND: { status: 404, message: 'No active API key with this id in this project.' },
  WEBHOOK_NOT_FOUND: { status: 404, message: 'No webhook with this id in this project.' },
  ERASURE_NOT_FOUND: { status: 404, message: 'No erasure of this user id is recorded in this project.' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: 'No delivery with this id for this webhook.' },
  EXECUTION_NOT_FOUND: { status: 404, message: 'No workflow execution with this id in this project.' },
  STEP_EXECUTION_NOT_FOUND: { status: 404, message: 'No step execution with this id in this workflow execution.' },

  // State conflicts
  INTEGRATION_ALREADY_EXISTS: { status: 409, message: 'This project already has an integration of this type.' },
  CREDENTIAL_NOT_VALID: { status: 409, message: 'Valid credential not found: the user must (re)connect this integration first.' },
  INTEGRATION_NOT_CONFIGURED: { status: 409, message: 'The integration lacks what connecting needs (client id, endpoints or inputs; meta.missing lists them): configure it through the Admin API.' },
  INTEGRATION_INACTIVE: { status: 409, message: 'The integration is not active in this project.' },
  CREDENTIAL_PENDING: { status: 409, message: 'The connected account is not set up yet (PENDING): the user must finish connecting it (complete-setup).' },
  CREDENTIAL_NOT_PENDING: { status: 409, message: 'Only a PENDING credential can complete its setup; this one is VALID or INVALID.' },
  JOB_NOT_DEAD: { status: 409, message: 'Only dead jobs can be retried; this one is queued, running or succeeded.' },
  LAST_ADMIN_API_KEY: { status: 409, message: "The project's only admin key cannot be deleted; create another admin key first, or rotate it." },
  WEBHOOK_LIMIT_REACHED: { status: 409, message: 'This project has the most webhooks allowed (meta.limit); delete one first.' },
  WEBHOOK_DELIVERY_PENDING: { status: 409, message: 'This delivery is still pending (retries are scheduled); only a succeeded or dead delivery can be sent again.' },
  EXECUTION_NOT_FINISHED: { status: 409, message: 'Only a finished execution (succeeded, failed or cancelled) can be replayed.' },

  // Other servers (the OAuth provider)
  OAUTH_PROVIDER_ERROR: { status: 502, message: 'The provider ended the authorization with an error (meta.error); nothing was connected.' },
  OAUTH_TOKEN_EXCHANGE_FAILED: { status: 502, message: "The provider's token endpoint did not exchange the authorization code (meta.error says why); nothing was connected." },
  PROVIDER_UNAVAILABLE: { status: 502, message: "The provider's token endpoint could not renew the access token right now (network, timeout, 5xx or 429); retry later (meta.retryable)." },
  ACCOUNT_LOOKUP_FAILED: { status: 502, message: "The provider's account endpoint did not say who the account is; nothing was connected." },
  WORKFLOW_EXECUTION_FAILED: { status: 502, message: 'The workflow failed before its Response step (meta.executionId; Task History has the failed step and its error).' },

  // Server side
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests in this window for this API key or Connected User; retry after the number of seconds in Retry-After.' },
  TOO_MANY_LARGE_REQUESTS: { status: 429, message: 'This user already has the most large requests in progress that Portico allows; retry after one has finished (Retry-After).' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The server is shutting down; retry on another node.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side; the error was logged.' },

  // Calls to an integration's API (the Connect proxy, workflow request steps)
  INTEGRATION_API_URL_NOT_ALLOWED: { status: 400, message: "The proxy only calls the integration's API: a path under its base URL, or an absolute URL on the same origin (scheme, host and port)." },
  INTEGRATION_API_PATH_INVALID: { status: 400, message: 'The proxied path may not climb out of the API base URL ("." or ".." segments, plain or percent-encoded).' },
  CREDENTIAL_DATA_INVALID: { status: 409, message: "The credential's inputs or provider data cannot fill the integration's API URL (missing, or not of the expected form); reconnect the account." },
  INTEGRATION_API_ERROR: { status: 502, message: "The integration's API answered with an error; the answer has the provider's status, its body in output, and meta.isIntegrationError." },
  INTEGRATION_API_UNREACHABLE: { status: 502, message: "The integration's API could not be reached (connection refused, reset, or its name does not resolve)." },
  INTEGRATION_API_RESPONSE_TOO_LARGE: { status: 502, message: "The integration's answer is larger than PORTICO_PROXY_MAX_RESPONSE_BYTES (meta.limit)." },
  INTEGRATION_API_TIMEOUT: { status: 504, message: "The integration's API did not answer within PORTICO_PROXY_TIMEOUT_MS (meta.timeoutMs)." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  message: string;
  code: ErrorCode;
  status: number;
  meta?: Record<string, unknown>;
}

export class AppError extends Error {
  override name = 'AppError';

  private constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly meta?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** `AppError.from('TOKEN_EXPIRED')`, optionally with a more specific message and `meta`. */
  static from(code: ErrorCode, message?: string, meta?: Record<string, unknown>): AppError {
    const known = ERROR_CODES[code];
    return new AppError(code, known.status, message ?? known.message, meta);
  }

  toBody(): ErrorBody {
    return this.meta === undefined
      ? { message: this.message, code: this.code, status: this.status }
      : { message: this.message, code: this.code, status: this.status, meta: this.meta };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
