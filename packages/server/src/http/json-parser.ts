import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors.ts';

/**
 * JSON bodies, with prototype-poisoning keys refused by name, syntax errors explained, and an
 * empty body accepted as "no body": the official SDK sends `Content-Type: application/json` on
 * bodiless DELETE and POST requests.
 */
export function registerJsonParser(app: FastifyInstance): void {
  // JSON only: a text/plain body would otherwise reach the schema check and get a vaguer 400.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const message = (error as Error).message;
      done(/forbidden (prototype|constructor) property/.test(message)
        ? AppError.from('BODY_FORBIDDEN_KEY')
        : AppError.from('INVALID_JSON', `The request body is not valid JSON: ${message}.`));
    }
  });
}
