/**
 * The one table of error codes hotzip throws, in the manner of Node's lib/internal/errors.js.
 *
 * Where Node has a code for the same failure on disk (a missing module, a path a package does not
 * export), hotzip throws Node's code so that existing `err.code` checks behave the same for modules
 * served from archives. Codes of its own start with ERR_HOTZIP_.
 */

import { config } from './config.js';
import { parseZipUrl } from './url/zip-url.js';

/** Where in which archive an error happened; every hotzip error names the archive and, where known, the entry. */
export interface ErrorSite {
  /** Absolute filesystem path of the archive. */
  archive?: string | undefined;
  /** Entry name inside the archive (no leading slash). */
  entry?: string | undefined;
}

/** Each code with the class Node uses for it (parity: `err instanceof TypeError` as on disk) and its message. */
const messages = {
  /** Node's own code: a missing archive, entry or package. */
  ERR_MODULE_NOT_FOUND: [Error, '%s'],
  /** Node's own code for the same failure in `require()`: a missing module required by archive CommonJS. */
  MODULE_NOT_FOUND: [Error, '%s'],
  /** Node's own code: a package.json "exports" does not export the subpath. */
  ERR_PACKAGE_PATH_NOT_EXPORTED: [Error, '%s'],
  /** Node's own code: a "#name" the package.json "imports" does not define. */
  ERR_PACKAGE_IMPORT_NOT_DEFINED: [TypeError, '%s'],
  /** Node's own code: an "exports"/"imports" target that is not a valid relative URL. */
  ERR_INVALID_PACKAGE_TARGET: [Error, '%s'],
  /** Node's own code: a package.json that is not valid JSON. */
  ERR_INVALID_PACKAGE_CONFIG: [Error, 'Invalid package config %s'],
  /** Node's own code: a specifier Node's ESM rules reject (e.g. an encoded slash). */
  ERR_INVALID_MODULE_SPECIFIER: [TypeError, '%s'],
  /** Node's own code: importing a directory. */
  ERR_UNSUPPORTED_DIR_IMPORT: [Error, '%s'],
  /** Node's own code: an entry whose extension maps to no module format. */
  ERR_UNKNOWN_FILE_EXTENSION: [TypeError, '%s'],
  /** Node's own code (Node 22+): a JSON module imported without `with { type: "json" }`. */
  ERR_IMPORT_ATTRIBUTE_MISSING: [TypeError, '%s'],
  /** Node 20's name for ERR_IMPORT_ATTRIBUTE_MISSING. */
  ERR_IMPORT_ASSERTION_TYPE_MISSING: [TypeError, '%s'],
  /** Node's own code (Node 22+): `type: "json"` on a module that is not JSON. */
  ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE: [TypeError, '%s'],
  /** Node 20's name for ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE. */
  ERR_IMPORT_ASSERTION_TYPE_FAILED: [TypeError, '%s'],
  /** Node's own code (Node 22+): an import attribute key or type Node does not know. */
  ERR_IMPORT_ATTRIBUTE_UNSUPPORTED: [TypeError, '%s'],
  /** Node 20's name for an unsupported `type` attribute. */
  ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED: [TypeError, '%s'],
  /** Not a readable zip: no end record, bad offsets or signatures, truncated data, CRC or size mismatch, encryption, unsupported method, overlapping or duplicate entries. */
  ERR_HOTZIP_BAD_ARCHIVE: [Error, 'Bad archive: %s'],
  /** An entry or archive over the size or compression-ratio limits (zip bombs). */
  ERR_HOTZIP_LIMIT: [Error, 'Limit exceeded: %s'],
  /** A malformed zip: specifier, a path that leaves its archive, or a nested archive. */
  ERR_HOTZIP_INVALID_SPECIFIER: [Error, 'Invalid zip: specifier %s'],
  /** A feature this Node version cannot give a module served from an archive (e.g. require() on Node 20). */
  ERR_HOTZIP_UNSUPPORTED: [Error, '%s'],
  /** A hot update rejected before anything changed: a syntax or link error, an import it broke. */
  ERR_HOTZIP_UPDATE_REJECTED: [Error, '%s'],
  /** A new version threw while evaluating; its previous exports stay installed. */
  ERR_HOTZIP_UPDATE_FAILED: [Error, '%s'],
  /** An update that cannot be applied in place (a declined module, changed re-exports). */
  ERR_HOTZIP_RESTART_REQUIRED: [Error, '%s'],
  /** A second hotzip install in one thread whose registration format differs from the one already installed. */
  ERR_HOTZIP_RUNTIME_MISMATCH: [Error, '%s'],
  /** The `hotzip` command was given an unknown flag, a flag without its value, or the wrong operands (exit 2). */
  ERR_HOTZIP_USAGE: [Error, '%s'],
  /** A `hotzip` command could not do its work: a missing or damaged archive, a pack that cannot be written (exit 1). */
  ERR_HOTZIP_COMMAND_FAILED: [Error, '%s'],
} as const;

/** Every code hotzip can throw. */
export type ErrorCode = keyof typeof messages;

const brand = Symbol('hotzip.error');

interface Coded {
  readonly code: ErrorCode;
  readonly archive: string | undefined;
  readonly entry: string | undefined;
}

/** Gives a fresh error its code and site, and a stack headed `TypeError [CODE]: …` the way Node's errors print. */
function stamp(error: Error & Coded, code: ErrorCode, site: ErrorSite, baseName: string): void {
  Object.assign(error, { code, archive: site.archive, entry: site.entry, [brand]: true });
  Object.defineProperty(error, 'name', { value: `${baseName} [${code}]`, configurable: true, writable: true });
  const stack = error.stack;
  delete (error as { name?: string }).name;
  if (stack !== undefined && config().logLevel !== 'debug') {
    Object.defineProperty(error, 'stack', {
      value: withoutOwnFrames(stack),
      configurable: true,
      writable: true,
    });
  }
}

/** hotzip's own compiled code (dist/), whose frames say nothing to a user about their mistake. */
const ownCode = new URL('..', import.meta.url).href;

/** The stack without hotzip's own frames, so the first frame shown is the user's or Node's (HOTZIP_LOG=debug keeps them). */
function withoutOwnFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !(line.startsWith('    at ') && line.includes(ownCode)))
    .join('\n');
}

function codedToString(this: Error & { code: string }): string {
  return `${this.name} [${this.code}]: ${this.message}`;
}

/** TypeError's prototype with Node's `Name [CODE]: message` toString, for the codes Node raises as TypeError. */
const typeErrorPrototype: object = Object.create(TypeError.prototype, {
  toString: { value: codedToString, writable: true, configurable: true },
});

/**
 * An Error with a Node-style `code` and the archive and entry it concerns. Codes that Node raises as TypeError are
 * TypeErrors here too (parity: `err instanceof TypeError` as on disk, also after crossing threads); `instanceof
 * HotzipError` holds for both.
 */
export class HotzipError extends Error implements Coded {
  declare readonly code: ErrorCode;
  declare readonly archive: string | undefined;
  declare readonly entry: string | undefined;

  constructor(code: ErrorCode, detail: string, site: ErrorSite = {}, options?: { cause?: unknown }) {
    const [Base, template] = messages[code];
    super(
      template.replace('%s', () => detail),
      options,
    );
    if (Base === TypeError) Object.setPrototypeOf(this, typeErrorPrototype);
    stamp(this, code, site, Base.name);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && brand in value;
  }

  override toString(): string {
    return codedToString.call(this);
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

/** The `code` of any thrown value (Node's errors, hotzip's, a user's object) when it is a string, else undefined. */
export function codeOf(value: unknown): string | undefined {
  const code = typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The message of any thrown value: an Error's `message`, anything else as a string. */
export function messageOf(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

/** Where in a module's source an update failed: 1-based line and column, and a code frame around them. */
export interface SourceLocation {
  line: number;
  column: number;
  frame: string;
}

/**
 * Why an update was rejected or failed: an update code, or the code of the load error that stopped it; the module URL
 * it concerns; for a syntax error, where in the new source.
 */
export interface UpdateError extends Error {
  readonly code: string;
  /** The archive and entry of the module it concerns (as on every hotzip error). */
  readonly archive?: string | undefined;
  readonly entry?: string | undefined;
  url?: string;
  line?: number;
  column?: number;
  frame?: string;
}

/** The archive and entry of an archive module's URL (any version query ignored); nothing for another URL. */
function siteOfModule(url: string | undefined): ErrorSite {
  if (url === undefined || !url.startsWith('zip:')) return {};
  try {
    const { archive, entry } = parseZipUrl(url);
    return entry === '' ? { archive } : { archive, entry };
  } catch {
    return {};
  }
}

const updateCodes = ['ERR_HOTZIP_UPDATE_REJECTED', 'ERR_HOTZIP_UPDATE_FAILED', 'ERR_HOTZIP_RESTART_REQUIRED'] as const;

/** An update's error; a `code` that is not an update code (a load error's own) is kept as the error's code. */
export function updateError(
  code: string,
  message: string,
  url: string | undefined,
  cause?: unknown,
  location?: SourceLocation,
): UpdateError {
  const known = updateCodes.find((c) => c === code);
  const error: UpdateError = new HotzipError(known ?? 'ERR_HOTZIP_UPDATE_REJECTED', message, siteOfModule(url), {
    cause,
  });
  if (known === undefined) Object.defineProperty(error, 'code', { value: code, enumerable: true });
  if (url !== undefined) error.url = url;
  if (location !== undefined)
    Object.assign(error, { line: location.line, column: location.column, frame: location.frame });
  return error;
}
