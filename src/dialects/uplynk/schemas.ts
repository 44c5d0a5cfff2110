// The Uplynk v4 routes' TypeBox schemas (requests and answers): they validate the input (errors in
// Uplynk's shape, errors.ts) and make the API document (src/http/openapi.ts). Shapes: library-json.ts.
import { Type } from '@sinclair/typebox';
import { DOWNLOAD, Nullable, NoContent, responses } from '../../http/schema-kit.ts';

export const UplynkError = Type.Object({
  '@type': Type.Literal('Error'),
  error: Type.Object({
    status: Type.Integer(), code: Type.String(), message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  }),
}, { $id: 'UplynkError', title: 'UplynkError' });

const Time = Type.String({ format: 'date-time' });

export const Library = Type.Object({
  '@id': Type.String(), '@type': Type.Literal('Library'), id: Type.String(), desc: Type.String(), description: Type.String(),
  owner_name: Type.String(), library_type: Type.Union([Type.Literal('owner'), Type.Literal('shared')]), access: Type.String(),
  is_ad: Type.Boolean(), allow_copy: Type.Boolean(), created: Time, modified: Time,
  asset_count: Type.Optional(Type.Integer()), deleted: Type.Boolean(), deleted_on: Type.Optional(Time),
}, { title: 'UplynkLibrary' });

const Member = Type.Object({
  id: Type.String(), desc: Type.String(), pathname: Type.String(), type: Type.Union([Type.String(), Type.Null()]),
  mime: Type.Union([Type.String(), Type.Null()]), size: Type.Union([Type.Integer(), Type.Null()]),
  created: Time, modified: Time, added: Time, added_by: Type.Union([Type.String(), Type.Null()]),
});

const Share = Type.Object({
  '@id': Type.String(), '@type': Type.Literal('Share'), user_id: Type.String(), user_name: Type.String(),
  role: Type.String(), shared_by: Type.Union([Type.String(), Type.Null()]), created: Time,
});

const Asset = Type.Object({
  '@id': Type.String(), '@type': Type.Literal('Asset'), id: Type.String(), desc: Type.String(), pathname: Type.String(),
  type: Type.Union([Type.String(), Type.Null()]), mime: Type.Union([Type.String(), Type.Null()]),
  size: Type.Union([Type.Integer(), Type.Null()]), created: Time, modified: Time,
});

const page = (name: string) => Type.Optional(Type.String({ pattern: '^\\d*$', description: `${name} (an integer)` }));

const LibraryFields = {
  desc: Type.String({ description: 'the name' }),
  description: Type.Optional(Nullable(Type.String())),
  allow_copy: Type.Optional(Nullable(Type.Boolean())),
  is_ad: Type.Optional(Nullable(Type.Boolean())),
};

const IdParams = Type.Object({ id: Type.String() });
const ERR = [400, 401, 403, 404, 413, 429, 500];
const r = (success: Record<number, unknown>) => responses(success, UplynkError, ERR);

export const S = {
  createLibrary: {
    operationId: 'uplynkCreateLibrary', summary: 'Create a library',
    body: Type.Object(LibraryFields, { additionalProperties: false }),
    response: r({ 200: { ...Library, description: 'the new library' } }),
  },
  listLibraries: {
    operationId: 'uplynkListLibraries', summary: 'List the libraries the caller owns or shares',
    querystring: Type.Object({
      page: page('page, from 1'), page_size: page('page size, 1 to 1000'),
      order: Type.Optional(Type.Union(['created', '-created', 'desc', '-desc', 'modified', '-modified'].map((o) => Type.Literal(o)))),
      library_type: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('owner'), Type.Literal('shared')])),
      search: Type.Optional(Type.String()),
      after: Type.Optional(Type.String({ description: 'created after: ISO-8601 or unix seconds' })),
      include_deleted: Type.Optional(Type.String({ pattern: '^(?:|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|0|1)$' })),
    }),
    response: r({ 200: Type.Object({ '@id': Type.String(), '@type': Type.Literal('Collection'), items: Type.Array(Library), total_items: Type.Integer(), page: Type.Integer(), page_size: Type.Integer() }, { description: 'a page of libraries' }) }),
  },
  getLibrary: { operationId: 'uplynkGetLibrary', summary: 'Get a library', params: IdParams, response: r({ 200: { ...Library, description: 'the library' } }) },
  updateLibrary: {
    operationId: 'uplynkUpdateLibrary', summary: 'Change a library', params: IdParams,
    body: Nullable(Type.Object({ ...LibraryFields, desc: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false })),
    response: r({ 200: { ...Library, description: 'the library' } }),
  },
  trashLibrary: { operationId: 'uplynkTrashLibrary', summary: 'Move a library to the trash', params: IdParams, response: r({ 204: NoContent }) },
  restoreLibrary: { operationId: 'uplynkRestoreLibrary', summary: 'Restore a library from the trash (extension)', params: IdParams, response: r({ 200: { ...Library, description: 'the library' } }) },
  addAssets: {
    operationId: 'uplynkAddAssets', summary: 'Add one asset (asset_id) or many (asset_ids) to a library', params: IdParams,
    body: Type.Union([
      Type.Object({ asset_id: Type.String() }, { additionalProperties: false }),
      Type.Object({ asset_ids: Type.Array(Type.Unknown(), { description: 'asset ids (malformed ones are named in the 400)' }) }, { additionalProperties: false }),
    ]),
    response: r({ 200: Type.Object({ '@id': Type.String(), '@type': Type.Literal('Library'), id: Type.String(), added: Type.Integer(), already_member: Type.Integer() }, { description: 'counts' }) }),
  },
  removeAssets: {
    operationId: 'uplynkRemoveAssets', summary: 'Remove assets from a library (?ids=a,b or a body {"ids": [...]})', params: IdParams,
    querystring: Type.Object({ ids: Type.Optional(Type.String({ description: 'comma-separated asset ids' })) }),
    body: Nullable(Type.Object({ ids: Type.Optional(Type.Array(Type.Unknown())) }, { additionalProperties: false })),
    response: r({ 200: Type.Object({ '@id': Type.String(), '@type': Type.Literal('Library'), id: Type.String(), message: Type.String(), removed: Type.Integer(), not_member: Type.Integer() }, { description: 'counts' }) }),
  },
  listMembers: {
    operationId: 'uplynkListMembers', summary: 'List the assets of a library (extension)', params: IdParams,
    querystring: Type.Object({ page: page('page, from 1'), page_size: page('page size, 1 to 1000') }),
    response: r({ 200: Type.Object({ '@id': Type.String(), '@type': Type.Literal('Collection'), items: Type.Array(Member), total_items: Type.Integer(), page: Type.Integer(), page_size: Type.Integer() }, { description: 'a page of members' }) }),
  },
  listShares: {
    operationId: 'uplynkListShares', summary: 'List a library\'s shares (extension)', params: IdParams,
    response: r({ 200: Type.Object({ '@id': Type.String(), '@type': Type.Literal('Collection'), items: Type.Array(Share), total_items: Type.Integer() }, { description: 'the shares' }) }),
  },
  share: {
    operationId: 'uplynkShareLibrary', summary: 'Share a library with a user (extension)', params: Type.Object({ id: Type.String(), user: Type.String() }),
    body: Nullable(Type.Object({ role: Type.Optional(Type.String()) }, { additionalProperties: false })),
    response: r({ 200: { ...Share, description: 'the share' } }),
  },
  unshare: { operationId: 'uplynkUnshareLibrary', summary: 'Stop sharing a library with a user (extension)', params: Type.Object({ id: Type.String(), user: Type.String() }), response: r({ 204: NoContent }) },
  renameAsset: {
    operationId: 'uplynkRenameAsset', summary: 'Rename an asset (extension)', params: IdParams,
    body: Type.Object({ desc: Type.String({ description: 'the new name' }) }, { additionalProperties: false }),
    response: r({ 200: { ...Asset, description: 'the asset' } }),
  },
  trashAsset: { operationId: 'uplynkTrashAsset', summary: 'Move an asset to the trash (extension)', params: IdParams, response: r({ 204: NoContent }) },
  assetContent: {
    operationId: 'uplynkAssetContent', summary: 'Download an asset\'s bytes (extension; Range requests answer 206)', params: IdParams,
    response: r(DOWNLOAD),
  },
};
