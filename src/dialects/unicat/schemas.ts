// The Unicat routes' TypeBox schemas (project API, global API, sync, DAM, media, console sign-in):
// they validate the input (errors in the envelope, envelope.ts) and make the API document
// (src/http/openapi.ts). Unicat clients send values loosely (a gid or a list, numbers as strings):
// those fields are described, and their meaning checked by the core (src/core), not here.
import { Type, type TSchema } from '@sinclair/typebox';
import { DOWNLOAD, Nullable, responses } from '../../http/schema-kit.ts';

export const UnicatError = Type.Object({
  success: Type.Literal(false),
  result: Type.Object({ code: Type.Integer(), message: Type.String(), info: Type.Record(Type.String(), Type.Unknown()) }),
  data: Type.Object({}),
}, { title: 'UnicatError' });

const Obj = Type.Record(Type.String(), Type.Unknown());
const Gid = Type.String({ description: 'a gid (UUID)' });
const GidOrGids = Type.Unknown({ description: 'a gid, or a list of gids' });

export const UnicatAsset = Type.Object({
  gid: Type.String(), pathname: Type.String(), path: Type.String(), name: Type.String(), is_file: Type.Boolean(),
  type: Type.Union([Type.String(), Type.Null()]), childcount: Type.Integer(), status: Type.String(), info: Obj,
  transforms: Type.Unknown(), title: Type.Record(Type.String(), Type.String()), description: Type.Record(Type.String(), Type.String()),
  updated_on: Type.Number(), created_on: Type.Number(), parent: Type.Union([Type.String(), Type.Null()]), is_deleted: Type.Boolean(),
  version: Type.Integer(),
}, { title: 'UnicatAsset' });

/** {success: true, result, data} */
function ok(result: TSchema, data: TSchema = Obj, description = 'success') {
  return Type.Object({ success: Type.Literal(true), result, data }, { description });
}
const AssetsData = Type.Object({ assets: Type.Record(Type.String(), UnicatAsset) });
const ERR = [400, 401, 403, 404, 413, 422, 429, 500];
const r = (success: Record<number, unknown>) => responses(success, UnicatError, ERR);
const Project = Type.Object({ project: Type.String({ description: 'the project gid' }) });
const body = (props: Record<string, TSchema>) => Nullable(Type.Object(props));
const opt = (s: TSchema) => Type.Optional(s);
const assetCall = (operationId: string, summary: string, b: TSchema, result: TSchema) =>
  ({ operationId, summary, params: Project, body: b, response: r({ 200: ok(result, AssetsData) }) });
const Page = { 'page.top': opt(Type.Unknown({ description: 'offset (an integer)' })), 'page.size': opt(Type.Unknown({ description: 'page size (an integer)' })) };
const Multipart = Type.Object({ upload_file: Type.String({ contentMediaType: 'application/octet-stream' }), parent: opt(Gid), asset: opt(Gid), name: opt(Type.String()) });

export const Session = {
  auth: {
    operationId: 'unicatAuth', summary: 'Sign in with an API key: the JWT comes in the Authorization response header', params: Project,
    body: Type.Object({ api_key: Type.String({ minLength: 1 }) }), security: [],
    response: r({ 200: ok(Obj, Obj, 'the session; the JWT is in the Authorization header') }),
  },
  init: { operationId: 'unicatInit', summary: 'The session: user, projects, members, cursors', params: Project, response: r({ 200: ok(Obj) }) },
  members: {
    operationId: 'unicatProjectMembers', summary: 'Members of this project ({member} or {members})', params: Project,
    body: body({ member: opt(Gid), members: opt(Type.Array(Type.Unknown())) }), response: r({ 200: ok(Obj) }),
  },
};

export const Assets = {
  get: assetCall('unicatAssetsGet', 'Get assets by gid ({asset} or {assets})', body({ asset: opt(Type.Unknown()), assets: opt(Type.Unknown()) }), Obj),
  root: { operationId: 'unicatAssetsRoot', summary: 'The root folder', params: Project, response: r({ 200: ok(Type.Object({ root: Type.String() }), AssetsData) }) },
  children: assetCall('unicatAssetsChildren', 'A folder\'s children, paged', body({ asset: opt(GidOrGids), ...Page }), Type.Object({ children: Type.Array(Type.String()), 'children.size': Type.Integer() })),
  worksheet: assetCall('unicatAssetsWorksheet', 'An asset with its path and children', body({ asset: opt(GidOrGids), ...Page }), Type.Object({ asset: Type.String(), path: Type.Array(Type.String()), children: Type.Array(Type.String()), 'children.size': Type.Integer() })),
  tree: assetCall('unicatAssetsTree', 'The folder tree from an asset', body({ asset: opt(GidOrGids), ...Page }), Type.Object({ tree: Type.Array(Type.String()), 'tree.size': Type.Integer(), 'tree.top': Type.Integer() })),
  create: assetCall('unicatAssetsCreate', 'Create a folder', body({ parent: opt(Gid), name: opt(Type.Unknown()) }), Type.Object({ parent: Type.String(), asset: Type.String() })),
  upload: {
    operationId: 'unicatAssetsUpload', summary: 'Upload a file (multipart: the file in upload_file, fields parent and name)', params: Project,
    multipartBody: Multipart,
    response: r({ 200: ok(Type.Object({ parent: Type.String(), asset: Type.String() }), AssetsData) }),
  },
  uploadUpdate: {
    operationId: 'unicatAssetsUploadUpdate', summary: 'Replace a file\'s content (multipart: upload_file, field asset)', params: Project,
    multipartBody: Multipart,
    response: r({ 200: ok(Type.Object({ asset: Type.String() }), AssetsData) }),
  },
  update: assetCall('unicatAssetsUpdate', 'Change an asset (name, title, description)', body({ asset: opt(Gid), name: opt(Type.Unknown()), title: opt(Type.Unknown()), description: opt(Type.Unknown()) }), Type.Object({ asset: Type.String() })),
  move: assetCall('unicatAssetsMove', 'Move an asset to another folder', body({ asset: opt(Gid), parent: opt(Gid) }), Type.Object({ parent: Type.String(), asset: Type.String() })),
  delete: assetCall('unicatAssetsDelete', 'Move an asset to the trash', body({ asset: opt(Gid) }), Type.Object({ asset: Type.String() })),
  undelete: assetCall('unicatAssetsUndelete', 'Restore an asset from the trash', body({ asset: opt(Gid) }), Type.Object({ asset: Type.String() })),
  purge: assetCall('unicatAssetsPermanentDelete', 'Delete a trashed asset for good', body({ asset: opt(Gid) }), Type.Object({ parent: Type.Union([Type.String(), Type.Null()]), removed: Type.Unknown() })),
  trash: assetCall('unicatAssetsTrash', 'The trash, paged (extension)', body(Page), Type.Object({ assets: Type.Array(Type.String()), 'assets.size': Type.Integer() })),
  libraries: {
    operationId: 'unicatAssetsLibraries', summary: 'The libraries an asset is in (extension)', params: Project,
    body: body({ asset: opt(Gid) }), response: r({ 200: ok(Type.Object({ libraries: Type.Array(Type.String()) }), Type.Object({ libraries: Obj })) }),
  },
};

export const SEARCH_MAX_SIZE = 1000;
import { BULK_GET_MAX_SIZE } from '../../core/selection/index.ts';

export const Search = {
  search: {
    operationId: 'unicatAssetsSearch', summary: 'Search assets', params: Project,
    body: Type.Object({
      language: Type.String({ minLength: 1 }),
      q: opt(Type.Union([Type.String(), Type.Null()])),
      filter: opt(Type.Unknown({ description: 'a filter (docs/search.md)' })),
      'page.top': opt(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
      'page.size': opt(Type.Integer({ minimum: 0, maximum: SEARCH_MAX_SIZE })),
    }),
    response: r({ 200: ok(Type.Object({ assets: Type.Array(Type.String()), 'assets.size': Type.Integer() }), AssetsData) }),
  },
  bulkGet: {
    operationId: 'unicatAssetsBulkGet', summary: 'Assets of a selection, paged by cursor', params: Project,
    body: Type.Object({
      selection: Type.Unknown({ description: 'a selection (docs/selections.md)' }),
      'page.cursor': opt(Type.Union([Type.String(), Type.Null()])),
      'page.size': opt(Type.Integer({ minimum: 1, maximum: BULK_GET_MAX_SIZE })),
    }),
    response: r({ 200: ok(Type.Object({ assets: Type.Array(Type.String()), 'assets.size': Type.Integer(), 'page.cursor': Type.Union([Type.String(), Type.Null()]) }), AssetsData) }),
  },
};

const JobData = Type.Object({ project_gid: Type.String(), job: Type.String(), status: Type.String(), info: Obj, created_on: Type.Number(), updated_on: Type.Number() });
const Token = Type.Object({ 'job.token': Type.Unknown({ description: 'the job token' }) });
const jobAnswer = ok(Type.Object({ 'job.token': Type.String() }), Type.Object({ jobs: Type.Record(Type.String(), JobData) }));

export const Jobs = {
  bulk: (call: string, what: string) => ({
    operationId: `unicat${call.split('/').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`, summary: `Start a job that ${what} the assets of a selection`, params: Project,
    body: Type.Object({ selection: Type.Unknown({ description: 'a selection (docs/selections.md)' }), parent: opt(Gid) }),
    response: r({ 200: ok(Type.Object({ 'job.token': Type.String() })) }),
  }),
  get: { operationId: 'unicatJobsGet', summary: 'A job\'s state (extension)', params: Project, body: Token, response: r({ 200: jobAnswer }) },
  cancel: { operationId: 'unicatJobsCancel', summary: 'Cancel a job (extension)', params: Project, body: Token, response: r({ 200: jobAnswer }) },
};

export const Global = {
  ping: { operationId: 'unicatPing', summary: 'Ping', security: [], response: r({ 200: ok(Obj) }) },
  init: { operationId: 'unicatGlobalInit', summary: 'The caller, its projects and cursors', response: r({ 200: ok(Obj) }) },
  languages: { operationId: 'unicatLanguagesGet', summary: 'The languages', response: r({ 200: ok(Type.Object({ languages: Type.Array(Type.String()) })) }) },
  users: { operationId: 'unicatUsersGet', summary: 'Users the caller may see ({user} or {users})', body: body({ user: opt(Type.Unknown()), users: opt(Type.Array(Type.Unknown())) }), response: r({ 200: ok(Obj) }) },
  members: { operationId: 'unicatMembersGet', summary: 'Members of one of the caller\'s projects', body: body({ project: opt(Type.Unknown()), member: opt(Type.Unknown()), members: opt(Type.Array(Type.Unknown())) }), response: r({ 200: ok(Obj) }) },
  projects: { operationId: 'unicatProjectsGet', summary: 'The caller\'s projects ({project} or {projects})', body: body({ project: opt(Type.Unknown()), projects: opt(Type.Array(Type.Unknown())) }), response: r({ 200: ok(Obj) }) },
};

export const Sync = {
  get: {
    operationId: 'syncGet', summary: 'Change events after the given cursors (docs/sync.md)',
    body: body({ cc_cursor: opt(Type.Unknown()), project: opt(Type.Unknown()), cursor: opt(Type.Unknown()), limit: opt(Type.Unknown()), libraries: opt(Type.Unknown()) }),
    response: r({ 200: ok(Type.Object({ sync: Type.Array(Obj), next: Obj, warning: opt(Type.String()) })) }),
  },
  cursors: {
    operationId: 'syncCursors', summary: 'The current and oldest retained cursors', body: body({ project: opt(Type.Unknown()) }),
    response: r({ 200: ok(Type.Object({ 'cc.cursor': Type.Integer(), cc_cursor: Type.Integer(), project: Type.Union([Type.String(), Type.Null()]), cursor: Type.Union([Type.Integer(), Type.Null()]), pruned_to: Obj })) }),
  },
};

const DamParams = Type.Object({ project: Type.String(), file: Type.String({ description: 'a storage pathname "<gid>~<version>.<ext>"' }) });
const PublicUrl = Type.Object({ public_url: Type.Union([Type.String(), Type.Null()]) });

export const Dam = {
  info: { operationId: 'damInfo', summary: 'A file\'s media info', params: DamParams, response: r({ 200: ok(Obj) }) },
  publish: { operationId: 'damPublish', summary: 'A public URL of the original', params: DamParams, response: r({ 200: ok(PublicUrl) }) },
  unpublish: { operationId: 'damUnpublish', summary: 'Withdraw the public URL of the original', params: DamParams, response: r({ 200: ok(PublicUrl) }) },
  transform: {
    operationId: 'damTransform', summary: 'A rendition (options in the path or the query) and its public URL', params: DamParams,
    response: r({ 200: ok(Type.Object({ public_url: Type.String(), filename: Type.String(), width: Type.Unknown(), height: Type.Unknown(), mime: Type.Unknown(), filesize: Type.Unknown() })) }),
  },
  transforms: {
    operationId: 'damTransforms', summary: 'assetlib extension: the renditions a list of files already has for one options path (nothing is rendered; pending: ask dam/transform)',
    params: Type.Object({ project: Type.String() }),
    body: Type.Object({
      files: Type.Array(Type.String(), { description: 'storage pathnames "<gid>~<version>.<ext>" (at most 1000)' }),
      options: Type.String({ description: 'a dam/transform options path, e.g. width=320/type=webp/q=80 (no force)' }),
    }),
    response: r({ 200: ok(Type.Object({
      transforms: Type.Record(Type.String(), Type.Union([
        Type.Object({ status: Type.Literal('ready'), public_url: Type.String(), filename: Type.String(), width: Type.Union([Type.Integer(), Type.Null()]), height: Type.Union([Type.Integer(), Type.Null()]), mime: Type.String(), filesize: Type.Integer() }),
        Type.Object({ status: Type.Literal('pending'), public_url: Type.Null() }),
        Type.Object({ status: Type.Literal('unavailable'), public_url: Type.Null(), reason: Type.String(), version: opt(Type.Integer()) }),
      ]), { description: 'by storage pathname as sent' }),
    })) }),
  },
  transformWith: {
    operationId: 'damTransformWithOptions', summary: 'A rendition with options as path segments',
    params: Type.Object({ project: Type.String(), file: Type.String(), '*': Type.String() }),
    response: r({ 200: ok(Type.Object({ public_url: Type.String(), filename: Type.String() })) }),
  },
};

export const Media = {
  get: {
    operationId: 'mediaGet', summary: 'A published file or rendition (no credentials: the token is the secret)', security: [],
    params: Type.Object({ token: Type.String(), filename: Type.String() }),
    response: r(DOWNLOAD),
  },
};

export const Console = {
  signIn: {
    operationId: 'consoleSignIn', summary: 'The project of an email and API key (the web console then calls auth)', security: [],
    body: Nullable(Type.Object({ email: opt(Type.Unknown()), api_key: opt(Type.Unknown()) })),
    response: r({ 200: ok(Type.Object({ project: Type.String(), user: Type.String() })) }),
  },
};
