import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { findJsonProblem, MAX_JSON_DEPTH } from '../json/json-guard.ts';

/**
 * Every route's path parameters, query and JSON body, once they passed schema validation, are
 * checked before the handler runs: no NUL or unpaired surrogate anywhere, no nesting beyond
 * MAX_JSON_DEPTH. Past this hook, handlers can store and serialize what they were given.
 */
export function registerInputGuard(app: FastifyInstance): void {
  // Callback style: this runs on every request, and an async hook costs a promise each time.
  app.addHook('preHandler', (request, _reply, done) => {
    for (const [where, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      // Raw bodies (the proxy's) are bytes passed on untouched, not JSON to store.
      if (Buffer.isBuffer(value)) continue;
      const problem = findJsonProblem(value);
      if (!problem) continue;
      if (problem.kind === 'depth') {
        done(AppError.from('JSON_TOO_DEEP', `The ${where} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels (at ${problem.path}).`, { in: where, path: problem.path }));
        return;
      }
      if (problem.kind === 'number') {
        done(AppError.from('NUMBER_NOT_FINITE', `The ${where} holds a number too large for a double (it overflows to Infinity) at ${problem.path}.`, { in: where, path: problem.path }));
        return;
      }
      done(AppError.from('INVALID_CHARACTERS', `The ${where} holds a NUL character or an unpaired surrogate at ${problem.path}.`, { in: where, path: problem.path }));
      return;
    }
    done();
  });
}
