import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Fastify's own schema compilers (Ajv for requests, fast-json-stringify for answers, with the
 * server's options and shared schemas), each route's function compiled on its first use instead of
 * when the server starts (decision 41). Compiling every route of the API up front was two thirds
 * of `portico serve`'s start (~0.9 s of 1.4 s of CPU); a route nobody calls never pays it, and
 * the first call of one pays a few milliseconds. With `eager` everything compiles at once, as
 * Fastify does by default: the test suite builds the app that way once, so a schema that does not
 * compile fails a test rather than a first request.
 */
export function schemaCompilers(options: { eager: boolean }): CompilersFactory {
  const buildValidator = AjvCompiler() as unknown as ValidatorFactory;
  const buildSerializer = SerializerSelector() as unknown as SerializerFactory;
  return {
    buildValidator: (externalSchemas, ajvOptions) => {
      const compile = buildValidator(externalSchemas, ajvOptions);
      return (route) => (options.eager ? compile(route) : lazyValidator(() => compile(route) as unknown as Validate) as unknown as ReturnType<typeof compile>);
    },
    buildSerializer: (externalSchemas, serializerOptions) => {
      const compile = buildSerializer(externalSchemas, serializerOptions);
      return (route) => {
        if (options.eager) return compile(route);
        let serialize: ((data: unknown) => string) | undefined;
        return (data: unknown) => (serialize ??= compile(route))(data);
      };
    },
  };
}

/**
 * An Ajv validation function compiled on its first call. Fastify reads `errors` after a failed call
 * and passes the parent object when `schemaEnv` is set (so Ajv can replace a coerced root value);
 * the wrapper always takes it and hands both through.
 */
function lazyValidator(compile: () => Validate): Validate {
  let validate: Validate | undefined;
  const wrapper: Validate = (data, context) => {
    validate ??= compile();
    const result = validate(data, context);
    wrapper.errors = validate.errors;
    return result;
  };
  wrapper.schemaEnv = true;
  return wrapper;
}
