// The Oracle Documents 1.1 routes' TypeBox schemas. Bodies come as JSON or XML (wire.ts): the same
// schema validates both, after parsing (XML values are strings; JSON clients may send numbers), and
// the document lists both media types. Answers: every scalar a string, JSON or XML as negotiated.
import { Type, type TSchema } from '@sinclair/typebox';
import { DOWNLOAD, Nullable } from '../../http/schema-kit.ts';

const S = Type.String();
const Scalar = Type.Union([Type.String(), Type.Number()]);
const Flag = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: '1 or 0 (true or false)' });

export const OracleError = Type.Object({
  errorCode: S, errorKey: S, errorMessage: S, errorType: Type.Optional(S), id: Type.Optional(S), idList: Type.Optional(S),
  title: S, type: S,
}, { title: 'OracleError', xml: { name: 'response' } });

const MEDIA = ['application/json', 'application/xml'];

/** A body in JSON or XML (the fields of the XML root element), possibly empty. */
function wireBody(s: TSchema) {
  const schema = Nullable(s);
  return { content: { 'application/json': { schema }, 'application/xml': { schema }, 'text/xml': { schema } } };
}

/** An answer in JSON or XML. */
function wire(description: string, s: TSchema) {
  return { description, content: Object.fromEntries(MEDIA.map((m) => [m, { schema: { ...s, xml: { name: 'response' } } }])) };
}

const ERRORS: Record<number, string> = {
  400: 'bad input (-1), name exists (-17), item (not) in collection (-96)', 401: 'missing or bad credentials', 403: 'no privileges (-20)',
  404: 'does not exist (-16)', 413: 'too large', 415: 'unsupported Content-Type', 429: 'too many failed authentications', 500: 'internal error',
};
const r = (success: Record<number, unknown>) => {
  const out: Record<string, unknown> = { ...success };
  for (const [status, text] of Object.entries(ERRORS)) out[status] = wire(text, OracleError);
  return out;
};

const User = Type.Object({ id: S, displayName: S, loginName: Type.Optional(S), type: S });
const CollectionItem = Type.Object({
  type: Type.Literal('collection'), id: S, name: S, createdBy: User, modifiedBy: User, ownedBy: User, createdTime: S, modifiedTime: S, description: Type.Optional(S),
});
const CollectionDetail = Type.Object({
  childItemsCount: S, createdBy: User, createdTime: S, description: Type.Optional(S), errorCode: S, id: S, modifiedBy: User, modifiedTime: S,
  name: S, ownedBy: User, type: Type.Literal('collection'),
});
const Member = Type.Object({ id: S, displayName: S, type: S, isSuccessful: S });
const ShareAnswer = Type.Object({ errorCode: S, id: S, members: Type.Array(Member), role: Type.Optional(S), type: Type.Literal('share'), user: Type.Object({ id: S, displayName: S, type: S }) });
const FileAnswer = Type.Object({ type: Type.Literal('file'), id: S, parentID: Type.Optional(S), name: S, createdTime: S, modifiedTime: S, size: S, mimeType: S, version: S, errorCode: S });

const Id = Type.Object({ id: Type.String({ description: 'the collection id' }) });
const FileId = Type.Object({ fileId: Type.String({ description: 'the file id (a GUID)' }) });
const Paging = {
  offset: Type.Optional(Type.String({ pattern: '^\\s*\\d*\\s*$', description: 'from 0' })),
  limit: Type.Optional(Type.String({ pattern: '^\\s*\\d*\\s*$', description: '1 to 1000 (default 50)' })),
};
const IdList = Type.Union([Type.String(), Type.Array(Type.String())], { description: 'file ids, comma-separated (or a list)' });
const Membership = (flag: string) => wireBody(Type.Object({ idList: IdList, [flag]: Type.Optional(Flag) }));
const UserIds = { userID: Type.Optional(Scalar) };

export const Collections = {
  create: {
    operationId: 'oracleCreateCollection', summary: 'Create a collection',
    body: wireBody(Type.Object({ name: Scalar, description: Type.Optional(Scalar) })),
    response: r({ 201: wire('the new collection', CollectionDetail) }),
  },
  list: {
    operationId: 'oracleListCollections', summary: 'List the collections the caller owns or shares',
    querystring: Type.Object({ ...Paging, orderby: Type.Optional(Type.String({ description: 'name, createdTime or modifiedTime, optionally :asc or :desc' })) }),
    response: r({ 200: wire('a page of collections', Type.Object({ count: S, errorCode: S, hasMore: S, offset: S, totalOwned: S, totalResults: S, totalShared: S, items: Type.Array(CollectionItem) })) }),
  },
  get: { operationId: 'oracleGetCollection', summary: 'Get a collection (extension)', params: Id, response: r({ 200: wire('the collection', CollectionDetail) }) },
  update: {
    operationId: 'oracleUpdateCollection', summary: 'Rename a collection or change its description (extension)', params: Id,
    body: wireBody(Type.Object({ name: Type.Optional(Scalar), description: Type.Optional(Scalar) })),
    response: r({ 200: wire('the collection', CollectionDetail) }),
  },
  trash: { operationId: 'oracleDeleteCollection', summary: 'Move a collection to the trash', params: Id, response: r({ 200: wire('done', Type.Object({ errorCode: S, idList: S, type: S })) }) },
  addFiles: {
    operationId: 'oracleAddFiles', summary: 'Add files to a collection (skipDuplicate: per-item results)', params: Id,
    querystring: Type.Object({ skipDuplicate: Type.Optional(S) }), body: Membership('skipDuplicate'),
    response: r({ 200: wire('done (items with skipDuplicate)', Type.Object({ errorCode: S, id: S, idList: S, type: S, count: Type.Optional(S), items: Type.Optional(Type.Array(Type.Object({ type: S, id: S, message: Type.Optional(S), timeStamp: S }))) })) }),
  },
  removeFiles: {
    operationId: 'oracleRemoveFiles', summary: 'Remove files from a collection (skipIfNotInCollection: per-item results)', params: Id,
    querystring: Type.Object({ skipIfNotInCollection: Type.Optional(S) }), body: Membership('skipIfNotInCollection'),
    response: r({ 200: wire('done (items with skipIfNotInCollection)', Type.Object({ errorCode: S, id: S, idList: S, type: S, count: Type.Optional(S), items: Type.Optional(Type.Array(Type.Object({ type: S, id: S, message: Type.Optional(S), timeStamp: S }))) })) }),
  },
  addFile: { operationId: 'oracleAddFile', summary: 'Add one file to a collection', params: Type.Object({ id: S, fileId: S }), response: r({ 200: wire('done', Type.Object({ errorCode: S, id: S, itemID: S, type: S })) }) },
  removeFile: { operationId: 'oracleRemoveFile', summary: 'Remove one file from a collection', params: Type.Object({ id: S, fileId: S }), response: r({ 200: wire('done', Type.Object({ errorCode: S, id: S, type: S })) }) },
  listFiles: {
    operationId: 'oracleListFiles', summary: 'The files of a collection, in the order they were added (extension)', params: Id,
    querystring: Type.Object(Paging),
    response: r({ 200: wire('a page of files', Type.Object({ count: S, errorCode: S, hasMore: S, id: S, offset: S, totalResults: S, type: S, items: Type.Array(Type.Object({ type: S, id: S, name: S, mimeType: Type.Optional(S), size: Type.Optional(S), createdTime: S, modifiedTime: S, addedTime: S, addedBy: Type.Optional(S) })) })) }),
  },
};

export const Shares = {
  share: {
    operationId: 'oracleShareCollection', summary: 'Share a collection with users and a role', params: Id,
    querystring: Type.Object(UserIds), body: wireBody(Type.Object({ role: Type.Optional(Scalar), ...UserIds })),
    response: r({ 200: wire('the shares made', ShareAnswer) }),
  },
  role: {
    operationId: 'oracleChangeShareRole', summary: 'Change the role of users a collection is shared with', params: Id,
    querystring: Type.Object(UserIds), body: wireBody(Type.Object({ role: Type.Optional(Scalar), ...UserIds })),
    response: r({ 200: wire('the shares changed', ShareAnswer) }),
  },
  items: {
    operationId: 'oracleListShares', summary: 'The shares of a collection', params: Id,
    response: r({ 200: wire('the shares', Type.Object({ count: S, errorCode: S, id: S, type: S, items: Type.Array(Type.Object({ type: S, role: S, user: User })), ownedBy: User })) }),
  },
  revokeUsers: {
    operationId: 'oracleRevokeUsers', summary: 'Stop sharing a collection with users', params: Id,
    querystring: Type.Object(UserIds), body: wireBody(Type.Object(UserIds)),
    response: r({ 200: wire('the shares removed', ShareAnswer) }),
  },
  leave: { operationId: 'oracleLeaveShare', summary: 'Leave a collection shared with the caller', params: Id, response: r({ 200: wire('done', Type.Object({ errorCode: S, id: S, type: S })) }) },
  revokeAll: { operationId: 'oracleRevokeAllShares', summary: 'Stop sharing a collection with everyone', params: Id, response: r({ 200: wire('done', Type.Object({ errorCode: S, id: S, type: S })) }) },
};

export const Files = {
  rename: {
    operationId: 'oracleEditFile', summary: 'Rename a file', params: FileId,
    body: wireBody(Type.Object({ name: Scalar })),
    response: r({ 200: wire('the file', FileAnswer) }),
  },
  trash: { operationId: 'oracleDeleteFile', summary: 'Move a file to the trash', params: FileId, response: r({ 200: wire('done', Type.Object({ errorCode: S })) }) },
  download: {
    operationId: 'oracleDownloadFile', summary: 'Download a file (Range requests answer 206)', params: FileId,
    querystring: Type.Object({ version: Type.Optional(S) }),
    response: r(DOWNLOAD),
  },
};
