/**
 * The `zip:` URL grammar.
 *
 * Canonical form: `zip://` + the archive's absolute path as in its `file:` URL + `!/` + the entry, e.g.
 * `zip:///srv/app/plugins/hello.zip!/lib/x.js`. The double slash matters: Node maps source maps only for
 * `scheme://` URLs. A hot-reload version rides in the query as `hz=N`; it names a module instance but never
 * an entry, so every reader strips it.
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeSite, type ErrorCode, type ErrorSite, fail } from '../errors.js';
import { addVersion, splitSuffix, stripVersion, withVersion } from './version-query.js';

/** The URL scheme hotzip serves, with its colon, as `URL.protocol` spells it. */
const ZIP_PROTOCOL = 'zip:';

/** A parsed canonical `zip:` URL. */
export interface ZipUrl {
  /** Absolute filesystem path of the archive. */
  archive: string;
  /** Entry name inside the archive, without a leading slash; '' means the archive's main module. */
  entry: string;
  /** The user's own query (`?a=1`), without the version parameter; '' when none. */
  search: string;
  /** The user's own fragment (`#x`); '' when none. */
  hash: string;
  /** The instance version from `?hz=N`, or undefined for the first instance. */
  version: number | undefined;
  /** For `?hz=NrK`: the instance whose source this one evaluates again (0: the first instance). */
  restores?: number | undefined;
  /** For `?hz=Nu`: a version no importer links to (see UNLINKED_MARK). */
  unlinked?: boolean | undefined;
}

/** Tells whether a URL or specifier uses the `zip:` scheme. */
export function isZipUrl(value: string | undefined): boolean {
  return value?.startsWith(ZIP_PROTOCOL) === true;
}

/** Archive paths already encoded: the few archives a program uses are encoded again for every URL made. */
const encodedArchives = new Map<string, string>();

/** Encodes an archive path as the path part of a URL; `!` is escaped so that the first `!/` always ends it. */
function archiveUrlPath(archive: string): string {
  let encoded = encodedArchives.get(archive);
  if (encoded === undefined) {
    // A relative path depends on the working directory: never remembered.
    if (!isAbsolute(archive)) return pathToFileURL(archive).pathname.replaceAll('!', '%21');
    if (encodedArchives.size >= 1000) encodedArchives.clear();
    encoded = pathToFileURL(archive).pathname.replaceAll('!', '%21');
    encodedArchives.set(archive, encoded);
  }
  return encoded;
}

/**
 * A name pathToFileURL returns as it is: segments of characters it never escapes, none empty, `.` or `..` (which it
 * would resolve). Nearly every entry is one; building a URL for each cost more than the rest of a resolution.
 */
const PLAIN_ENTRY = /^(?!\.\.?(?:\/|$))[\w.@+$-]+(?:\/(?!\.\.?(?:\/|$))[\w.@+$-]+)*\/?$/;

/** Encodes an entry name as URL path segments (spaces, `#`, `?` and `%` escaped as a `file:` URL would). */
export function entryUrlPath(entry: string): string {
  if (entry === '' || PLAIN_ENTRY.test(entry)) return entry;
  return pathToFileURL(`/${entry}`).pathname.slice(1);
}

/** Builds the canonical URL of an entry; `version` adds the `hz` query that makes a new module instance. */
export function formatZipUrl(
  archive: string,
  entry: string,
  parts: {
    search?: string;
    hash?: string;
    version?: number | undefined;
    restores?: number | undefined;
    unlinked?: boolean | undefined;
  } = {},
): string {
  let search = parts.search ?? '';
  if (parts.version !== undefined) {
    search = addVersion(search, parts.version, parts.restores === undefined && parts.unlinked === true);
    if (parts.restores !== undefined) search += `r${parts.restores}`;
  }
  return `zip://${archiveUrlPath(archive)}!/${entryUrlPath(entry)}${search}${parts.hash ?? ''}`;
}

/** Decodes an entry path from a URL, refusing encoded separators as Node does for `file:` URLs. */
function decodeEntry(encoded: string, site: ErrorSite, code: ErrorCode = 'ERR_HOTZIP_INVALID_SPECIFIER'): string {
  if (/%2f|%5c/i.test(encoded)) {
    fail(code, `"${encoded}": an entry path must not include encoded "/" or "\\" characters`, site);
  }
  try {
    return decodeURIComponent(encoded);
  } catch {
    return fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${encoded}": malformed percent-encoding`, site);
  }
}

/** Parses a canonical `zip:///abs/app.zip!/entry` URL (as Node hands it to the hooks). */
export function parseZipUrl(url: string): ZipUrl {
  if (!url.startsWith('zip:///')) {
    fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${url}": a module URL must be zip:///absolute/path.zip!/entry`);
  }
  const { path, search, hash } = splitSuffix(url.slice('zip://'.length));
  const bang = path.indexOf('!/');
  const archivePart = bang === -1 ? path : path.slice(0, bang);
  const archive = fileURLToPath(`file://${archivePart}`);
  const site = { archive };
  const entry = bang === -1 ? '' : decodeEntry(path.slice(bang + 2), site);
  if (entry.includes('!/')) nestedArchive(url, site);
  const version = stripVersion(search);
  const restores = version.restores === undefined ? {} : { restores: version.restores };
  const unlinked = version.unlinked === true ? { unlinked: true } : {};
  return { archive, entry, search: version.search, hash, version: version.version, ...restores, ...unlinked };
}

/**
 * A module URL parsed once for the whole resolve or load step: its parts, the URL itself and its canonical form, so
 * that nothing downstream parses or formats the same URL again.
 */
export interface ZipLocation extends ZipUrl {
  /** The URL as Node handed it (with any version query). */
  url: string;
  /** The URL without its instance version: what `import.meta.url` shows and what an instance's source is kept by. */
  canonical: string;
}

/**
 * Parses a canonical `zip:` URL into a location. A first instance's URL is already canonical (the resolve hook
 * formatted it), so only a versioned URL is formatted again.
 */
export function locate(url: string): ZipLocation {
  const parsed = parseZipUrl(url);
  const canonical =
    parsed.version === undefined
      ? url
      : formatZipUrl(parsed.archive, parsed.entry, { search: parsed.search, hash: parsed.hash });
  return { ...parsed, url, canonical };
}

/**
 * The location of instance `version` of the module whose first instance is at `first`, made from the parts already
 * parsed: the same as `locate()` of that instance's URL, for a first instance's URL as the resolve step formats it.
 */
export function locateInstance(first: ZipLocation, version: number): ZipLocation {
  const { restores: _restores, ...parts } = first;
  return { ...parts, version, url: withVersion(first.url, version) };
}

/** The URL of a module without its instance version: what `import.meta.url` shows. */
export function canonicalZipUrl(url: string): string {
  const { archive, entry, search, hash } = parseZipUrl(url);
  return formatZipUrl(archive, entry, { search, hash });
}

function nestedArchive(specifier: string, site: ErrorSite): never {
  return fail(
    'ERR_HOTZIP_INVALID_SPECIFIER',
    `"${specifier}": nested archives (a zip inside a zip) are not supported`,
    site,
  );
}

/**
 * Parses what a user may write after `import`: `zip:./a.zip!/e.js`, `zip:../a.zip!/e.js`, `zip:/abs/a.zip!/e.js`,
 * `zip:///abs/a.zip!/e.js`, or any of these without `!/…` for the archive's main module (entry '').
 * Relative archive paths are resolved against `baseDirUrl`, a `file:` URL of a directory ending in '/'.
 */
export function parseZipSpecifier(specifier: string, baseDirUrl: string): ZipUrl {
  const { path, search, hash } = splitSuffix(specifier.slice(ZIP_PROTOCOL.length));
  const bang = path.indexOf('!/');
  const archivePart = bang === -1 ? path : path.slice(0, bang);
  // `zip:./a.zip!x.js` would otherwise be reported as a missing archive named "a.zip!x.js".
  const bareBang = /\.zip!(?!\/)/i.exec(archivePart);
  if (bareBang !== null) {
    const cut = ZIP_PROTOCOL.length + bareBang.index + '.zip!'.length;
    fail(
      'ERR_HOTZIP_INVALID_SPECIFIER',
      `"${specifier}": the entry path needs a '/' after '!': write ${specifier.slice(0, cut)}/${specifier.slice(cut)}`,
    );
  }
  if (archivePart === '' || archivePart === '//') {
    fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${specifier}": no archive path`);
  }
  if (archivePart.startsWith('//') && !archivePart.startsWith('///')) {
    fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${specifier}": zip: URLs have no host; write zip:///absolute/path.zip`);
  }
  const isPathLike = archivePart.startsWith('./') || archivePart.startsWith('../') || archivePart.startsWith('/');
  if (!isPathLike) {
    fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${specifier}": the archive path must start with ./, ../ or /`);
  }
  const archiveUrl = new URL(archivePart.startsWith('///') ? archivePart.slice(2) : archivePart, baseDirUrl);
  const archive = fileURLToPath(archiveUrl);
  const site = { archive };
  // Dot segments are found before decoding, as the URL parser finds them: `%252e` is a name (`%2e`), never `.`.
  const entry = bang === -1 ? '' : decodeEntry(normalizeEntry(path.slice(bang + 2), specifier, site), site);
  if (entry.includes('!/')) nestedArchive(specifier, site);
  const version = stripVersion(search);
  return {
    archive,
    entry,
    search: version.search,
    hash,
    version: version.version,
    ...(version.restores === undefined ? {} : { restores: version.restores }),
    ...(version.unlinked === true ? { unlinked: true } : {}),
  };
}

/** Tells whether a URL path segment is `.` or `..`, also percent-encoded, as the WHATWG URL parser sees them. */
function dotSegment(segment: string): 0 | 1 | 2 {
  // Almost every segment is a name: a dot segment has at most six characters and starts with `.` or `%`.
  const first = segment.charCodeAt(0);
  if (segment.length > 6 || (first !== 46 && first !== 37)) return 0;
  const lower = segment.toLowerCase();
  if (lower === '.' || lower === '%2e') return 1;
  if (lower === '..' || lower === '.%2e' || lower === '%2e.' || lower === '%2e%2e') return 2;
  return 0;
}

/** What normalizeEntry may change: a segment that starts with `.` or `%`, or an empty one (`//`, a leading `/`). */
const NORMALIZABLE = /(?:^|\/)[.%/]/;

/** Removes `.`/`..` segments from an entry path, refusing any that climbs past the archive root. */
function normalizeEntry(entry: string, specifier: string, site: ErrorSite): string {
  // Most paths have nothing to remove (no dot segment, no empty one): kept as they are, without a split.
  if (!NORMALIZABLE.test(entry)) return entry;
  // As the URL parser does (Node resolves a file: URL before the disk sees it): an empty segment counts for `..`.
  const out: string[] = [];
  const segments = entry.split('/');
  segments.forEach((segment, i) => {
    const dots = dotSegment(segment);
    if (dots === 2) {
      if (out.length === 0) escapes(specifier, site);
      out.pop();
    } else if (dots === 0) out.push(segment);
    // A path ending in a dot segment names a directory, as a URL's does (`a/.` is `a/`, never a file `a`).
    if (dots !== 0 && i === segments.length - 1 && out.length > 0) out.push('');
  });
  // Then as the disk does: an empty segment names the same file as none (a final one stays: a directory).
  return out.filter((segment, i) => segment !== '' || (i === out.length - 1 && i > 0)).join('/');
}

function escapes(specifier: string, site: ErrorSite): never {
  // A `zip:` specifier's own entry path has no importing entry: its site is only the archive it names.
  const where =
    site.entry === undefined
      ? `leaves the archive ${site.archive}`
      : `leaves the archive (imported by ${describeSite(site)})`;
  return fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${specifier}" ${where}`, site);
}

/** Refuses a root path (`/x.js`) and a backslash: archive code never reaches the disk through a relative path. */
function rootOrBackslash(specifier: string, path: string, site: ErrorSite): void {
  if (path.startsWith('/')) {
    fail(
      'ERR_HOTZIP_INVALID_SPECIFIER',
      `"${specifier}" is a root path, which would leave the archive (imported by ${describeSite(site)})`,
      site,
    );
  }
  if (path.includes('\\')) {
    fail(
      'ERR_HOTZIP_INVALID_SPECIFIER',
      `"${specifier}" contains a backslash (imported by ${describeSite(site)})`,
      site,
    );
  }
}

/**
 * Resolves a relative `require()` path (`./x`, `../y/z.js`) against the entry that requires it, as Node's
 * `path.resolve` does: a path, not a URL, so nothing is decoded or dropped and `?` and `#` are characters; `..` past
 * the archive root and root paths are errors. A path ending in `/`, `/.` or `/..` keeps a trailing `/` (a directory).
 */
export function resolveEntryPath(specifier: string, parentEntry: string, site: ErrorSite): string {
  rootOrBackslash(specifier, specifier, site);
  const parentDir = parentEntry.slice(0, parentEntry.lastIndexOf('/') + 1);
  const out: string[] = [];
  for (const segment of `${parentDir}${specifier}`.split('/')) {
    if (segment === '..') {
      if (out.length === 0) escapes(specifier, site);
      out.pop();
    } else if (segment !== '' && segment !== '.') out.push(segment);
  }
  const directory = /(?:^|\/)\.{0,2}$/.test(specifier);
  return directory && out.length > 0 ? `${out.join('/')}/` : out.join('/');
}

/** What the URL parser removes from a URL's text before reading it. */
const URL_IGNORED = /[\t\n\r]|^[\0-\x20]+|[\0-\x20]+$/g;

/**
 * Resolves a relative specifier (`./x.js`, `../y/z.js`) against the entry that imports it, like a URL would,
 * except that `..` past the archive root and root-absolute paths (`/x.js`) are errors: archive code never reaches
 * the disk through a relative path. Returns the entry name and the specifier's own query and fragment.
 */
export function resolveEntrySpecifier(
  specifier: string,
  parentEntry: string,
  site: ErrorSite,
): { entry: string; search: string; hash: string } {
  // As the URL parser reads it: tabs and newlines dropped, and C0 controls or spaces at either end.
  const { path, search, hash } = splitSuffix(specifier.replace(URL_IGNORED, ''));
  rootOrBackslash(specifier, path, site);
  // The importer's name is decoded text: a `%` in it is a character, escaped so as not to be decoded again.
  const parentDir = parentEntry.includes('/')
    ? parentEntry.slice(0, parentEntry.lastIndexOf('/') + 1).replaceAll('%', '%25')
    : '';
  const raw = normalizeEntry(`${parentDir}${path}`, specifier, site);
  // Without a `%` there is nothing to decode (and no encoded separator to refuse).
  if (!raw.includes('%')) return { entry: raw, search, hash };
  const segments = raw.split('/').map((segment) => decodeEntry(segment, site, 'ERR_INVALID_MODULE_SPECIFIER'));
  return { entry: segments.join('/'), search, hash };
}
