import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { AppError, type ErrorCode } from '../errors.ts';

/** Node's parser errors (before any route runs) mapped to the wire envelope. */
function codeOf(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  return 'HTTP_REQUEST_MALFORMED';
}

const TIMED_OUT = Symbol('portico.requestTimedOut');

/** Whether this socket's request was cut by the request timeout (and answered 408 by `clientErrorHandler`). */
export function requestTimedOut(socket: Socket | null | undefined): boolean {
  return (socket as (Socket & { [TIMED_OUT]?: true }) | null | undefined)?.[TIMED_OUT] === true;
}

/**
 * Fastify `clientErrorHandler`: a request that never became a request (headers too large, too slow,
 * not HTTP) still gets `{ message, code, status }`, then the socket is closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError = AppError.from(codeOf(error));
  if (appError.code === 'REQUEST_TIMEOUT') (socket as Socket & { [TIMED_OUT]?: true })[TIMED_OUT] = true;
  const body = JSON.stringify(appError.toBody());
  const status = appError.status;
  // A response already under way on this socket (say, a 401 sent before the body arrived) must not
  // be followed by a second one.
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !pending?.headersSent) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * A response sent before its request body was read (a 401 from the auth hook, say) closes the
 * connection: the client may never finish the body, and a kept-alive socket would then hold a
 * connection slot until the request timeout, or get a stray 408 after its real answer.
 */
export function closeConnectionsWithUnreadBodies(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete) void reply.header('connection', 'close');
    done(null, payload);
  });
}
