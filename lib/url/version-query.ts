/**
 * The version query that makes a new instance of a module (`?hz=N`): one grammar for the zip: URL parser and the
 * hot-reload runtime, which works on any module URL and knows nothing of zips.
 */

/** The query parameter that carries a module instance's version. */
export const VERSION_PARAM = 'hz';

/** Splits `?query#hash` off a URL or specifier. */
export function splitSuffix(value: string): { path: string; search: string; hash: string } {
  const hashAt = value.indexOf('#');
  const beforeHash = hashAt === -1 ? value : value.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : value.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt === -1) return { path: beforeHash, search: '', hash };
  return { path: beforeHash.slice(0, queryAt), search: beforeHash.slice(queryAt), hash };
}

/**
 * Marks a version no importer will link to (`hz=5u`): the update only reads its exports, never assigns them, so its
 * source carries no accessor for writing them (for a module of many exports, most of a version's compile time).
 */
export const UNLINKED_MARK = 'u';

/**
 * Removes the version parameter from a query (`?a=1&hz=2`), keeping the user's own parameters in their order. A
 * version that evaluates an earlier version's source again (`hz=5r3`: instance 5 with the source of instance 3, 0
 * for a first instance) also gives `restores`; an unlinked one (`hz=5u`, see UNLINKED_MARK) gives `unlinked`.
 */
export function stripVersion(search: string): {
  search: string;
  version: number | undefined;
  restores?: number | undefined;
  unlinked?: boolean | undefined;
} {
  if (search === '') return { search, version: undefined };
  let version: number | undefined;
  let restores: number | undefined;
  let unlinked: boolean | undefined;
  const kept: string[] = [];
  for (const pair of search.slice(1).split('&')) {
    const match = /^hz=(\d+)(?:r(\d+)|(u))?$/.exec(pair);
    if (match) {
      version = Number(match[1]);
      restores = match[2] === undefined ? undefined : Number(match[2]);
      unlinked = match[3] === undefined ? undefined : true;
    } else kept.push(pair);
  }
  const stripped = { search: kept.length === 0 ? '' : `?${kept.join('&')}`, version, restores };
  return unlinked === true ? { ...stripped, unlinked } : stripped;
}

/** Appends the version parameter to a query (after the user's own parameters), marked unlinked if so. */
export function addVersion(search: string, version: number, unlinked = false): string {
  return `${search === '' ? '?' : `${search}&`}${VERSION_PARAM}=${version}${unlinked ? UNLINKED_MARK : ''}`;
}

/** The URL without its version parameter, and the version (undefined for a first instance). */
export function splitVersion(url: string): { canonical: string; version: number | undefined } {
  const { path, search, hash } = splitSuffix(url);
  const stripped = stripVersion(search);
  return { canonical: `${path}${stripped.search}${hash}`, version: stripped.version };
}

/** `url` with version `version` in its query, before any hash; `unlinked`: see UNLINKED_MARK. */
export function withVersion(url: string, version: number, unlinked = false): string {
  const { path, search, hash } = splitSuffix(url);
  return `${path}${addVersion(search, version, unlinked)}${hash}`;
}

/** `url` as instance `version` evaluating the source instance `restores` had (0: the first instance). */
export function withRestore(url: string, version: number, restores: number): string {
  const { path, search, hash } = splitSuffix(url);
  return `${path}${addVersion(search, version)}r${restores}${hash}`;
}
