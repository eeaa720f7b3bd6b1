/**
 * The one table of error codes hotzip throws, in the manner of Node's lib/internal/errors.js.
 *
 * Where Node has a code for the same failure on disk (a missing module, a path a package does not
 * export), hotzip throws Node's code so that existing `err.code` checks behave the same for modules
 * served from archives. Codes of its own start with ERR_HOTZIP_.
 */

/** Where in which archive an error happened; every hotzip error names the archive and, where known, the entry. */
export interface ErrorSite {
  /** Absolute filesystem path of the archive. */
  archive?: string | undefined;
  /** Entry name inside the archive (no leading slash). */
  entry?: string | undefined;
}

const messages = {
  /** Node's own code: a missing archive, entry or package. */
  ERR_MODULE_NOT_FOUND: '%s',
  /** Node's own code: a package.json "exports" does not export the subpath. */
  ERR_PACKAGE_PATH_NOT_EXPORTED: '%s',
  /** Node's own code: a "#name" the package.json "imports" does not define. */
  ERR_PACKAGE_IMPORT_NOT_DEFINED: '%s',
  /** Node's own code: an "exports"/"imports" target that is not a valid relative URL. */
  ERR_INVALID_PACKAGE_TARGET: '%s',
  /** Node's own code: a package.json that is not valid JSON. */
  ERR_INVALID_PACKAGE_CONFIG: 'Invalid package config %s',
  /** Node's own code: a specifier Node's ESM rules reject (e.g. an encoded slash). */
  ERR_INVALID_MODULE_SPECIFIER: '%s',
  /** Node's own code: importing a directory. */
  ERR_UNSUPPORTED_DIR_IMPORT: "Directory import '%s' is not supported resolving ES modules",
  /** Node's own code: an entry whose extension maps to no module format. */
  ERR_UNKNOWN_FILE_EXTENSION: '%s',
  /** Node's own code (Node 22+): a JSON module imported without `with { type: "json" }`. */
  ERR_IMPORT_ATTRIBUTE_MISSING: '%s',
  /** Node 20's name for ERR_IMPORT_ATTRIBUTE_MISSING. */
  ERR_IMPORT_ASSERTION_TYPE_MISSING: '%s',
  /** Node's own code (Node 22+): `type: "json"` on a module that is not JSON. */
  ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE: '%s',
  /** Node 20's name for ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE. */
  ERR_IMPORT_ASSERTION_TYPE_FAILED: '%s',
  /** Node's own code (Node 22+): an import attribute key or type Node does not know. */
  ERR_IMPORT_ATTRIBUTE_UNSUPPORTED: '%s',
  /** Node 20's name for an unsupported `type` attribute. */
  ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED: '%s',
  /** Not a readable zip: no end record, bad offsets or signatures, truncated data, CRC or size mismatch, encryption, unsupported method, overlapping or duplicate entries. */
  ERR_HOTZIP_BAD_ARCHIVE: 'Bad archive: %s',
  /** An entry or archive over the size or compression-ratio limits (zip bombs). */
  ERR_HOTZIP_LIMIT: 'Limit exceeded: %s',
  /** A malformed zip: specifier, a path that leaves its archive, or a nested archive. */
  ERR_HOTZIP_INVALID_SPECIFIER: 'Invalid zip: specifier %s',
  /** A feature this Node version cannot give a module served from an archive (e.g. require() on Node 20). */
  ERR_HOTZIP_UNSUPPORTED: '%s',
} as const;

/** Every code hotzip can throw. */
export type ErrorCode = keyof typeof messages;

/** An Error with a Node-style `code` and the archive and entry it concerns. */
export class HotzipError extends Error {
  readonly code: ErrorCode;
  readonly archive: string | undefined;
  readonly entry: string | undefined;

  constructor(code: ErrorCode, detail: string, site: ErrorSite = {}, options?: { cause?: unknown }) {
    super(messages[code].replace('%s', detail), options);
    this.code = code;
    this.archive = site.archive;
    this.entry = site.entry;
  }

  override get name(): string {
    return 'Error';
  }

  override toString(): string {
    return `Error [${this.code}]: ${this.message}`;
  }
}

/** Describes an archive entry the way every message does: `entry "lib/x.js" in /srv/app.zip`. */
export function describeSite(site: ErrorSite): string {
  if (site.entry !== undefined && site.archive !== undefined) return `entry "${site.entry}" in ${site.archive}`;
  return site.archive ?? site.entry ?? 'unknown archive';
}

/** Throws a HotzipError; a helper so that validation code reads as one line per rule. */
export function fail(code: ErrorCode, detail: string, site: ErrorSite = {}): never {
  throw new HotzipError(code, detail, site);
}

/** Tells whether a thrown value is one of hotzip's coded errors (also after crossing a thread, where the class is lost). */
export function isCodedError(value: unknown): value is Error & { code: string } {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'string';
}
