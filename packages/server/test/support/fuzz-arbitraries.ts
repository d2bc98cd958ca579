import fc from 'fast-check';
import type { CatalogRoute } from './route-catalog.ts';

/** Strings that have broken servers before: NUL, lone surrogates, traversal, encodings, huge. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '%00', '%', '%zz', '%2e%2e%2f', '../../etc/passwd', '..',
  '__proto__', 'constructor', 'prototype', 'ext:', 'ext:\u0000', 'null', 'undefined', 'true', '[]', '{}', '0', '-1', '1e309',
  '\u202e', '\ufeff', 'é', '😀', '\r\n', "'; drop table projects; --", '${7*7}', '{{user.meta}}', 'x'.repeat(600), 'ä'.repeat(300),
];

/** Any text, mostly short, including every code point and the nasty ones. */
export const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 200, maxLength: 700 }) },
);

/** JSON with every non-ASCII character escaped: what a header value can carry, NUL and lone surrogates included. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Printable ASCII, the only safe header alphabet. */
export const headerText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('', ' ', 'ext:', 'ext:x', '%00', '\\u0000', 'null', '{}', '[]', 'a'.repeat(300)),
  fc.jsonValue({ maxDepth: 3 }).map(asciiJson),
  fc.constantFrom('{"a":"\\u0000"}', '{"\\u0000":1}', '{"a":"\\ud800"}', `{"a":${'['.repeat(200)}${']'.repeat(200)}}`, '{"__proto__":{"x":1}}'),
);

/** Deeply nested JSON text inside bodies that are otherwise valid, deeper than any limit and deep enough to blow a recursive walker. */
export const deepJson = fc.tuple(fc.integer({ min: 10, max: 120_000 }), fc.constantFrom('[', '{"a":'), fc.integer({ min: 0, max: 3 })).map(([depth, open, shape]) => {
  const close = open === '[' ? ']' : '}';
  const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
  return [
    `{"meta":{"k":${deep}}}`,
    `{"config":{"sharedSettings":{"k":${deep}}}}`,
    `{"integration":"salesforce","accessToken":"t","providerData":{"k":${deep}}}`,
    `{"k":${deep}}`,
  ][shape]!;
});

export interface FuzzCase {
  params: Record<string, string>;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
  authorization: 'valid' | string;
  projectIdValid: boolean;
}

/** Percent-encoding that also carries lone surrogates, as the (invalid) UTF-8 bytes a raw client could send. */
function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

/** A path segment: usually an encoded value (known id or nasty text), sometimes raw bytes. */
function paramValue(known: readonly string[]) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known).map(encodeSegment) },
    { weight: 4, arbitrary: anyText.map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ED%A0%80', '%C0%AE', '..', '.', '%00', '%2F', ';x=1') },
  );
}

function valueFor(known: readonly unknown[]) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 3, arbitrary: anyText },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(anyText, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) },
  );
}

function bodyFor(route: CatalogRoute, known: readonly unknown[]) {
  const shaped = route.bodyProps.length === 0
    ? fc.dictionary(anyText, valueFor(known), { maxKeys: 4 })
    : fc.record(Object.fromEntries(route.bodyProps.map((p) => [p, valueFor(known)])), { requiredKeys: [] });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: shaped.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: fc.constantFrom('{"meta":{"a":"\\u0000"}}', '{"meta":{"\\u0000":1}}', '{"meta":{"a":"\\ud800"}}', '{"config":{"sharedSettings":{"a":"\\u0000"}}}', '{"integration":"salesforce","accessToken":"a\\u0000b"}', '{"type":"custom","name":"\\u0000"}', '{"name":"\\ud800","integration":"salesforce"}') },
  );
}

/** Everything one request is made of, shaped after the route's declared params, query, headers and body. */
export function fuzzCase(route: CatalogRoute, known: { ids: readonly string[]; values: readonly unknown[] }): fc.Arbitrary<FuzzCase> {
  const params = fc.record(Object.fromEntries(route.pathParams.filter((p) => p !== 'projectId').map((p) => [p, paramValue(known.ids)])));
  const queryNames = [...route.query, 'x', 'integration', '__proto__'];
  const query = fc.array(fc.tuple(fc.constantFrom(...queryNames), fc.oneof(fc.constantFrom(...known.ids, 'true', 'false', 'undefined'), anyText)), { maxLength: 4 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));
  const headerNames = [...route.headers, 'x-paragon-credential', 'x-paragon-configuration-id', 'x-paragon-user-metadata', 'accept'];
  const headers = fc.array(fc.tuple(fc.constantFrom(...headerNames), fc.oneof(fc.constantFrom(...known.ids, ...known.ids.map((id) => `ext:${id}`)), headerText)), { maxLength: 3 })
    .map((pairs) => Object.fromEntries(pairs));
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '') },
  );
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constant('valid') },
    { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a.b.c', `Bearer ${'A'.repeat(9000)}`, 'Bearer prt_nope', 'bearer  x  ') },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `Bearer ${s}`) },
  );
  return fc.record({
    params,
    query,
    headers: fc.tuple(headers, contentType).map(([h, type]) => (type === '' ? h : { ...h, 'content-type': type })),
    body: bodyFor(route, known.values),
    authorization,
    projectIdValid: fc.integer({ min: 0, max: 19 }).map((n) => n > 0),
  });
}
