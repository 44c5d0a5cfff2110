// Which project events the Unicat sync feed carries. The vendor's client keeps one store per
// data_type and fails on a type it does not know (KeyError), so the feed carries Unicat's types
// only; assetlib's library events go to clients that ask for them (docs/sync.md, "libraries").

/** Unicat's project data types (the client's stores). */
export const UNICAT_PROJECT_TYPES: readonly string[] = ['assets', 'records', 'definitions', 'classes', 'fields', 'layouts', 'queries', 'modules'];

/** assetlib's own project data types: sent with the opt-in `libraries: true`. */
export const LIBRARY_TYPES: readonly string[] = ['libraries', 'libraries_assets'];

export const WITH_LIBRARIES: readonly string[] = [...UNICAT_PROJECT_TYPES, ...LIBRARY_TYPES];

/** The project types for a client: Unicat's, plus the library types when it opted in. */
export function projectTypes(libraries: boolean): readonly string[] {
  return libraries ? WITH_LIBRARIES : UNICAT_PROJECT_TYPES;
}

/** The opt-in flag from a request body or a socket's auth payload: absent/false, or true. */
export function librariesFlag(raw: unknown): boolean | undefined {
  if (raw === undefined || raw === null || raw === false) return false;
  if (raw === true) return true;
  return undefined;
}
