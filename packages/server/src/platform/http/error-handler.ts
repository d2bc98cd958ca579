import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, isAppError, type ErrorCode } from '../errors.ts';
import { drainRequestBody } from './body-drain.ts';
import { requestTimedOut } from './client-error.ts';
import { describeValidation, validationSentence } from './validation-errors.ts';

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'ROUTE_NOT_FOUND',
  FST_ERR_MAX_PARAM_LENGTH: 'PATH_SEGMENT_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'ROUTE_NOT_FOUND',
};

const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: 'ROUTE_NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

/** Turns anything thrown into the one wire envelope; unknown errors become a logged 500. */
export function toAppError(error: FastifyError | Error): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = describeValidation(fastifyError.validation, fastifyError.validationContext);
    return AppError.from('VALIDATION_FAILED', `Invalid request: ${validationSentence(errors)}.`, { errors });
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return AppError.from(mapped, mapped === 'INVALID_JSON' ? `The request body is not valid JSON: ${error.message}` : undefined);
  const status = fastifyError.statusCode;
  if (error instanceof SyntaxError && status === 400) return AppError.from('INVALID_JSON', `The request body is not valid JSON: ${error.message}`);
  if (status !== undefined && status >= 400 && status < 500) {
    return AppError.from(BY_STATUS[status] ?? 'VALIDATION_FAILED', error.message);
  }
  if (status === 503) return AppError.from('SERVICE_UNAVAILABLE');
  return AppError.from('INTERNAL_ERROR');
}

function wwwAuthenticate(error: AppError): string {
  if (error.code === 'AUTHORIZATION_MISSING') return 'Bearer realm="portico"';
  // The code's fixed text, never the specific message: that may quote the token's own content, and
  // a header value with CR, LF or non-Latin-1 characters would make the answer a 500.
  const description = ERROR_CODES[error.code].message.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, "'");
  return `Bearer realm="portico", error="invalid_token", error_description="${description}"`;
}

/**
 * Fastify `frameworkErrors`: errors raised by the router before any route or hook runs (a path
 * that is not valid percent-encoded UTF-8, a path segment over the length limit), in the envelope.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(error);
  void reply.status(appError.status).send(appError.toBody());
}

/**
 * Refusals of bodies that a well-behaved client is still sending. Others (a bad token, say) close
 * the connection at once rather than wait for a body that may never come.
 */
const DRAINED_REFUSALS = new Set(['BODY_TOO_LARGE', 'TOO_MANY_LARGE_REQUESTS']);

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function registerErrorHandling(app: FastifyInstance): void {
  // Half the request timeout: the drain must end before Node's own timer answers 408 instead.
  const drainMs = Math.min(10_000, Math.floor((app.server.requestTimeout || 20_000) / 2));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let appError = toAppError(error);
    if (requestTimedOut(request.raw.socket)) {
      // The 408 already went out on the socket (clientErrorHandler); this is the body read failing after it.
      appError = AppError.from('REQUEST_TIMEOUT');
    }
    if (appError.code === 'BODY_TOO_LARGE' && appError.meta === undefined) {
      const limit = request.routeOptions.bodyLimit;
      appError = AppError.from('BODY_TOO_LARGE', `The request body is larger than the ${limit}-byte limit of this route.`, { limit });
    }
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code, status: appError.status }, 'request rejected');
    if (appError.status === 401) void reply.header('WWW-Authenticate', wwwAuthenticate(appError));
    if (DRAINED_REFUSALS.has(appError.code) && !request.raw.complete && hasBody(request)) {
      // Refused before its body was read: read and drop the rest first (bounded), so a client still
      // sending it gets this answer instead of a reset (EPIPE).
      void reply.header('connection', 'close');
      return drainRequestBody(request.raw, drainMs).then(() => {
        void reply.status(appError.status).send(appError.toBody());
      });
    }
    return reply.status(appError.status).send(appError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = AppError.from('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}. See /api/v1/openapi.json.`);
    return reply.status(404).send(error.toBody());
  });
}
