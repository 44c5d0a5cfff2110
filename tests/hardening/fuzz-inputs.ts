// Malformed and hostile request parts for the fuzz test (fast-check arbitraries and a fixed
// catalogue): path parameters, query strings, headers, and JSON / XML / multipart / garbage bodies.
// Deep structures are written as text, never built as objects, so the generator itself cannot
// overflow a stack.
import fc from 'fast-check';

export interface Ids { project: string; asset: string; file: string; library: string; user: string }

/** Field names the dialects read: hostile values land where the handlers look. */
export const FIELDS = [
  'asset', 'assets', 'parent', 'name', 'pathname', 'pathnames', 'transforms', 'title', 'description', 'expanded_assets',
  'expanded_paths', 'page', 'page.top', 'page.size', 'cursor', 'cc_cursor', 'project', 'limit', 'api_key', 'token', 'selection',
  'q', 'query', 'filter', 'filters', 'ids', 'id', 'desc', 'items', 'role', 'users', 'user', 'idList', 'collectionId',
  'skipDuplicates', 'skipMissing', 'asset_id', 'asset_ids', 'allow_copy', 'is_ad', 'offset', 'orderby', 'fields', 'type', 'data', 'sort', 'language', 'upload_file',
];

export const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
export const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
export const deepJson = (n: number) => (n % 2 ? deepArray(n) : deepObject(n));

/** JSON text of one hostile value. */
export function jsonValue(ids: Ids): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 2, arbitrary: fc.integer({ min: 20, max: 6000 }).map(deepJson) },
    { weight: 1, arbitrary: fc.integer({ min: 50_000, max: 120_000 }).map(deepJson) },
    { weight: 1, arbitrary: fc.integer({ min: 20, max: 3000 }).map((n) => `[${'{"x":['.repeat(n)}1${']}'.repeat(n)}]`) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => JSON.stringify('x'.repeat(n))) },
    { weight: 1, arbitrary: fc.constantFrom(
      '"a\\u0000b"', '"\\ud800"', '1e400', '-1', '0.5', '12345678901234567890', 'null', 'true', '""', '[]', '{}',
      '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"prototype":1}',
      '"../../etc/passwd"', '"/"', '"%00"', '"00000000-0000-0000-0000-000000000000"', '"ffffffffffffffffffffffffffffffff"',
      `"${'é'.repeat(300)}"`, '"\\t\\n\\r"', '[null]', '[1,2,3]', '{"top":-5,"size":1e9}',
    ) },
    { weight: 2, arbitrary: fc.constantFrom(ids.asset, ids.file, ids.project, ids.library, ids.user).map((g) => JSON.stringify(g)) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(ids.asset, ids.file, 'nope', ''), { maxLength: 5 }).map((a) => JSON.stringify(a)) },
  );
}

/** A JSON body: an object of known fields, a bare value, or a cut-off text. */
export function jsonBody(ids: Ids): fc.Arbitrary<string> {
  const entry = fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'a\u0000b') }, { weight: 1, arbitrary: fc.string() }), jsonValue(ids));
  const object = fc.array(entry, { minLength: 1, maxLength: 4 }).map((es) => `{${es.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
  return fc.oneof(
    { weight: 6, arbitrary: object },
    { weight: 1, arbitrary: jsonValue(ids) },
    { weight: 1, arbitrary: fc.tuple(object, fc.nat()).map(([s, n]) => s.slice(0, 1 + (n % Math.max(1, s.length - 1)))) },
  );
}

const xmlName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...FIELDS.filter((f) => /^[a-z_][\w.-]*$/i.test(f))) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'item', 'a:b', 'xmlns') },
);
const xmlText = fc.oneof(fc.string({ maxLength: 20 }).map((s) => s.replace(/[<&]/g, '')), fc.constantFrom('&amp;', '&lt;', '&#0;', '&#xD800;', '&unknown;', '&', '<![CDATA[x]]>', '1', ''));

/** An XML body: fields (some named like Object.prototype members), deep nesting, DOCTYPE, cut-off text. */
export function xmlBody(ids: Ids): fc.Arbitrary<string> {
  const field = fc.tuple(xmlName, fc.oneof(xmlText, fc.constantFrom(ids.file, ids.asset, ids.user))).map(([n, v]) => `<${n}>${v}</${n}>`);
  const doc = fc.array(field, { maxLength: 5 }).map((fs) => `<?xml version="1.0"?><request>${fs.join('')}</request>`);
  return fc.oneof(
    { weight: 4, arbitrary: doc },
    { weight: 2, arbitrary: fc.tuple(xmlName, fc.integer({ min: 50, max: 3000 })).map(([n, d]) => `<request>${`<${n}>`.repeat(d)}x${`</${n}>`.repeat(d)}</request>`) },
    { weight: 1, arbitrary: fc.constantFrom(
      '<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', '<r><a>1</a>', '<r', '', '<a/><b/>', '<r><idList><item>1</item></idList></r>',
      '<r><__proto__><polluted>1</polluted></__proto__></r>', '<r><constructor><prototype>1</prototype></constructor></r>',
      '<r a="1" a="2"/>', '<r>\u0000</r>',
    ) },
    { weight: 1, arbitrary: fc.tuple(doc, fc.nat()).map(([s, n]) => s.slice(0, 1 + (n % Math.max(1, s.length - 1)))) },
  );
}

/** A multipart body (boundary XB) cut off somewhere, or complete. */
export function multipartBody(ids: Ids): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.nat(), fc.boolean()).map(([size, cut, complete]) => {
    const full = `--XB\r\nContent-Disposition: form-data; name="parent"\r\n\r\n${ids.asset}\r\n--XB\r\nContent-Disposition: form-data; name="upload_file"; filename="f${size}.txt"\r\nContent-Type: text/plain\r\n\r\n${'a'.repeat(size)}\r\n--XB--\r\n`;
    return complete ? full : full.slice(0, cut % full.length);
  });
}

export const CONTENT_TYPES = [
  'application/json', 'application/xml', 'text/xml', 'multipart/form-data; boundary=XB', 'multipart/form-data',
  'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/octet-stream', '*/*', 'garbage',
];

/** A hostile replacement for one path parameter (raw, already in URL form). */
export const hostileParam = fc.oneof(
  fc.integer({ min: 101, max: 400 }).map((n) => 'p'.repeat(n)),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '..%2F..', '%2e%2e', 'x%20y', '%FF', '__proto__', 'constructor', '-1', '0', 'null', '%F0%9F%98%80'),
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => encodeURIComponent(s)),
);

/** A hostile query string (without the leading ?). */
export const hostileQuery = fc.oneof(
  fc.constantFrom('a=%zz', '%=1', '__proto__[x]=1', 'constructor=1', 'limit=-1', 'limit=1e9', 'offset=-5', 'ids=', 'ids=,,,', 'a[b][c][d]=1', 'x=%00'),
  fc.integer({ min: 1, max: 3000 }).map((n) => `ids=${encodeURIComponent(deepJson(n))}`),
  fc.integer({ min: 100, max: 5000 }).map((n) => `ids=${Array.from({ length: n }, (_, i) => i).join(',')}`),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.string({ maxLength: 30 }), { maxKeys: 3 }).map((d) => new URLSearchParams(d).toString()),
);
