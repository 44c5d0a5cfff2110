// Oracle Documents 1.1 wire format: JSON whose scalars are all strings, and XML, in both directions.
//
// Requests are parsed by Content-Type (application/json, application/xml, text/xml; an empty body
// is accepted with any of them); anything else is refused with 415. Responses are XML when the
// Accept header prefers application/xml or text/xml over application/json; with no Accept (or
// only */*) the response mirrors the request's format; otherwise JSON.
//
// XML layout (ours: Oracle does not publish one): a declaration, then one root element
// <response>; each JSON key becomes a child element of the same name; an array becomes a wrapper
// element of the array's key holding one <item> element per entry; objects nest. Requests may use
// any root element name: its children are the fields. The XML parser expands no entities and
// resolves nothing external: a DOCTYPE (and so any entity declaration) is refused with 400, and
// only the five predefined entities and numeric character references are decoded.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { invalid } from '../../core/errors.ts';
import { MAX_NESTING, jsonTooDeep, tooDeep } from '../../http/limits.ts';

export type WireFormat = 'json' | 'xml';

declare module 'fastify' {
  interface FastifyRequest { oracleBodyFormat: WireFormat | undefined }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `{ts 'YYYY-MM-DD hh:mm:ss.SSS'}` in UTC, as Oracle writes item timestamps. */
export function oracleTs(at: Date | string): string {
  const d = at instanceof Date ? at : new Date(at);
  return `{ts '${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}'}`;
}

/** `2017-05-15T22:40:30Z` (UTC, whole seconds), as Oracle writes createdTime/modifiedTime. */
export function oracleTime(at: Date | string): string {
  const d = at instanceof Date ? at : new Date(at);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// Response encoding

/** Every scalar as a string (numbers, booleans), undefined/null keys dropped, recursively. */
export function stringScalars(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof Date) return oracleTime(v);
  if (Array.isArray(v)) return v.map(stringScalars);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const s = stringScalars(x);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return String(v);
}

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** Escapes element text (the only context we write: no attributes). */
export const escapeXml = (s: string) => s.replace(/[&<>]/g, (c) => XML_ESC[c]);
// Characters XML 1.0 cannot carry at all (they would make the document unparseable).
// eslint-disable-next-line no-control-regex
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function xmlNode(name: string, v: unknown, out: string[]): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    out.push(`<${name}>`);
    for (const x of v) xmlNode('item', x, out);
    out.push(`</${name}>`);
  } else if (typeof v === 'object') {
    out.push(`<${name}>`);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) xmlNode(k, x, out);
    out.push(`</${name}>`);
  } else {
    out.push(`<${name}>${escapeXml(String(v).replace(XML_ILLEGAL, '\uFFFD'))}</${name}>`);
  }
}

/** The XML document of a (string-scalar) response body. */
export function toXml(body: unknown, root = 'response'): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  xmlNode(root, body ?? {}, out);
  return out.join('');
}

/** JSON text of a body whose scalars are strings (built without a second walk for big lists). */
export function toJson(body: unknown): string {
  return JSON.stringify(stringScalars(body));
}

// ---------------------------------------------------------------------------------------------
// Content negotiation

interface Range { type: string; sub: string; q: number }

function parseAccept(h: string): Range[] {
  const out: Range[] = [];
  for (const part of h.split(',')) {
    const [mt, ...params] = part.trim().split(';');
    const [type, sub] = mt.trim().toLowerCase().split('/');
    if (!type || !sub) continue;
    let q = 1;
    for (const p of params) {
      const [k, val] = p.trim().split('=');
      if (k?.trim().toLowerCase() === 'q') { const n = Number(val); q = Number.isFinite(n) ? n : 0; }
    }
    out.push({ type, sub, q });
  }
  return out;
}

/** [q, specificity] of the most specific range matching type/sub ([0, 0] when none matches). */
function qualityOf(ranges: Range[], type: string, sub: string): [number, number] {
  let best = 0; let q = 0;
  for (const r of ranges) {
    const spec = r.type === type && r.sub === sub ? 3 : r.type === type && r.sub === '*' ? 2 : r.type === '*' && r.sub === '*' ? 1 : 0;
    if (spec > best) { best = spec; q = r.q; }
  }
  return [q, q > 0 ? best : 0];
}

const better = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** The format a request's Content-Type names (JSON unless XML). */
export function formatOfContentType(ct: string | undefined): WireFormat {
  return ct && /^\s*(application|text)\/xml\s*(;|$)/i.test(ct) ? 'xml' : 'json';
}

/** The format the response should use for this request. */
export function responseFormat(req: FastifyRequest): WireFormat {
  // before (or without) parsing, e.g. a 401, 413 or 415: the format the request declared
  return negotiate(req.headers.accept, req.oracleBodyFormat ?? formatOfContentType(req.headers['content-type']));
}

/** The response format from an Accept header, `mirror` (the request's format) when it has no preference. */
export function negotiate(accept: string | undefined, mirror: WireFormat): WireFormat {
  if (!accept || !accept.trim()) return mirror;
  const ranges = parseAccept(accept);
  const json = qualityOf(ranges, 'application', 'json');
  const appXml = qualityOf(ranges, 'application', 'xml');
  const textXml = qualityOf(ranges, 'text', 'xml');
  const xml = better(textXml, appXml) ? textXml : appXml;
  // equal quality and specificity (none named, "*/*", "application/*"): the request's format
  if (better(xml, json)) return 'xml';
  if (better(json, xml)) return 'json';
  return mirror;
}

/** Sends an Oracle body (scalars become strings) in the negotiated format. */
export function sendWire(req: FastifyRequest, reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const fmt = responseFormat(req);
  reply.code(status);
  reply.header('Vary', 'Accept');
  if (fmt === 'xml') {
    reply.header('Content-Type', 'application/xml; charset=utf-8');
    return reply.send(toXml(stringScalars(body)));
  }
  reply.header('Content-Type', 'application/json; charset=utf-8');
  return reply.send(toJson(body));
}

// ---------------------------------------------------------------------------------------------
// Request decoding

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,       // every value stays a string, as in Oracle's JSON
  parseAttributeValue: false,
  processEntities: false,     // no entity expansion at all (we decode the predefined five ourselves)
  htmlEntities: false,
  trimValues: true,
  removeNSPrefix: true,
  cdataPropName: '#cdata',    // CDATA stays literal (no entity decoding inside it)
  maxNestedTags: MAX_NESTING, // deeper: refused (400), as for JSON
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw invalid('malformed XML: a bare "&" must be written &amp;', { reason: 'xml' });
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(cp) || cp < 1 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw invalid(`malformed XML: bad character reference ${m}`, { reason: 'xml' });
      }
      return String.fromCodePoint(cp);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw invalid(`XML entity references are not expanded: ${m}`, { reason: 'xml_entity' });
    return v;
  });
}

function decodeTree(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v.includes('\u0000')) throw invalid('malformed XML: NUL characters are not allowed', { reason: 'xml' });
    return decodeEntities(v);
  }
  if (Array.isArray(v)) return v.map(decodeTree);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.includes('#cdata') && keys.every((k) => k === '#cdata' || k === '#text')) {
      const text = typeof o['#text'] === 'string' ? decodeEntities(o['#text']) : '';
      const cdata = Array.isArray(o['#cdata']) ? o['#cdata'].join('') : String(o['#cdata']);
      if (cdata.includes('\u0000')) throw invalid('malformed XML: NUL characters are not allowed', { reason: 'xml' });
      return text + cdata;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      out[k] = decodeTree(x);
    }
    return out;
  }
  return v;
}

/** Parses an XML request body into the fields of its root element (strings, nested objects). */
export function parseXmlBody(text: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw invalid('XML with a DOCTYPE or entity declarations is not accepted', { reason: 'xml_doctype' });
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (valid !== true) {
    throw invalid(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`, { reason: 'xml' });
  }
  let doc: Record<string, unknown>;
  try {
    // the parser refuses element names such as __proto__ / constructor and nesting past the bound
    // with plain errors: they are the client's
    doc = xmlParser.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw invalid(`malformed XML: ${String((e as Error).message).slice(0, 200)}`, { reason: /nested/i.test(String(e)) ? 'too_deep' : 'xml' });
  }
  const roots = Object.keys(doc);
  if (roots.length !== 1) throw invalid('malformed XML: expected one root element', { reason: 'xml' });
  const root = doc[roots[0]];
  if (root === '' || root === undefined) return {};
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw invalid('the XML root element must hold the request fields as child elements', { reason: 'xml' });
  }
  return decodeTree(root) as Record<string, unknown>;
}

// PostgreSQL text cannot hold NUL: refused at the edge rather than failing in the database.
const NUL = '\u0000';

function parseJsonBody(text: string): unknown {
  if (jsonTooDeep(text)) throw tooDeep('JSON');
  return JSON.parse(text, (k, v) => {
    if (k === '__proto__' || k === 'constructor') throw invalid(`malformed JSON: the key "${k}" is not accepted`, { reason: 'json' });
    if ((typeof v === 'string' && v.includes(NUL)) || k.includes(NUL)) throw invalid('strings must not contain NUL characters', { reason: 'nul' });
    return v;
  });
}

/** preValidation hook: no NUL in the query string or the path parameters. */
export function refuseNulInUrl(req: FastifyRequest): void {
  for (const bag of [req.query, req.params]) {
    if (!bag || typeof bag !== 'object') continue;
    for (const v of Object.values(bag as Record<string, unknown>)) {
      const vals = Array.isArray(v) ? v : [v];
      if (vals.some((x) => typeof x === 'string' && x.includes(NUL))) throw invalid('the URL must not contain NUL characters', { reason: 'nul' });
    }
  }
}

/** Installs the scope's body parsers (JSON and XML; empty bodies allowed). */
export function installWireParsers(app: FastifyInstance): void {
  app.decorateRequest('oracleBodyFormat', undefined);
  app.addHook('preValidation', async (req) => refuseNulInUrl(req));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.oracleBodyFormat = 'json';
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, parseJsonBody(text));
    } catch (e) {
      done(e instanceof Error && e.name === 'CoreError' ? e : invalid(`malformed JSON: ${(e as Error).message}`, { reason: 'json' }), undefined);
    }
  });
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (req, body, done) => {
    req.oracleBodyFormat = 'xml';
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, parseXmlBody(text));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Reading fields (lenient about scalar types: Oracle clients send strings, some send numbers)

export type Body = Record<string, unknown>;

export function bodyOf(req: FastifyRequest): Body {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw invalid('the request body must be an object', { reason: 'body' });
  return b as Body;
}

/** A string field (numbers converted; the route's schema allowed only those); undefined when absent. */
export function stringField(b: Body, name: string): string | undefined {
  const v = b[name];
  return v === undefined || v === null ? undefined : String(v);
}

/** An Oracle flag: "1"/"true"/1/true, "0"/"false"/0/false/"" ; undefined when absent. */
export function flagValue(v: unknown, name: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === '1' || s === 'true' || s === 'yes') return true;
    if (s === '0' || s === 'false' || s === 'no' || s === '') return false;
  }
  throw invalid(`${name} must be 1 or 0 (true or false)`, { field: name });
}

/** A flag from the body or, failing that, the query string. */
export function flagField(req: FastifyRequest, b: Body, name: string): boolean {
  const fromBody = flagValue(b[name], name);
  if (fromBody !== undefined) return fromBody;
  const q = (req.query as Record<string, unknown> | undefined)?.[name];
  return flagValue(q, name) ?? false;
}
