/**
 * Import attribute checks (`with { type: 'json' }`) for modules served from archives.
 *
 * Node runs these checks in its default load step, which a short-circuiting load hook skips, so hotzip repeats
 * them with Node's own codes and messages. Node 20 still uses the older "assertion" codes.
 */
import { type ErrorSite, HotzipError } from '../errors.js';
import { legacyAttributeCodes as legacyCodes } from '../node-support.js';

/** The `type` attribute each format requires; formats not listed accept no `type` at all. */
const requiredType: ReadonlyMap<string, string> = new Map([['json', 'json']]);

/** Attribute types this Node knows at all. */
const knownTypes: ReadonlySet<string> = new Set(['json']);

/**
 * Throws Node's error when `attributes` do not fit a module of `format` at `url` (the archive entry `site`);
 * returns quietly when they do.
 */
export function validateAttributes(
  url: string,
  format: string,
  attributes: Record<string, string> | undefined,
  site: ErrorSite = {},
): void {
  const given = attributes ?? {};
  for (const key of Object.keys(given)) {
    if (key !== 'type') unknownKey(url, key, String(given[key]), site);
  }
  const type = Object.hasOwn(given, 'type') ? given.type : undefined;
  const required = requiredType.get(format);
  if (required === undefined) {
    if (type !== undefined) invalidType(url, type, site);
    return;
  }
  if (type === required) return;
  if (type === undefined) {
    if (legacyCodes) {
      throw new HotzipError(
        'ERR_IMPORT_ASSERTION_TYPE_MISSING',
        `Module "${url}" needs an import attribute of type "${required}"`,
        site,
      );
    }
    throw new HotzipError(
      'ERR_IMPORT_ATTRIBUTE_MISSING',
      `Module "${url}" needs an import attribute of "type: ${required}"`,
      site,
    );
  }
  invalidType(url, type, site);
}

function unsupported(url: string, key: string, value: string, site: ErrorSite): never {
  if (legacyCodes) {
    throw new HotzipError(
      'ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED',
      `Import attribute type "${value}" is unsupported`,
      site,
    );
  }
  throw new HotzipError(
    'ERR_IMPORT_ATTRIBUTE_UNSUPPORTED',
    `Import attribute "${key}" with value "${value}" is not supported in ${url}`,
    site,
  );
}

/** An attribute key other than `type`: Node 20.20 already rejects these with the newer code, minus the URL. */
function unknownKey(url: string, key: string, value: string, site: ErrorSite): never {
  if (legacyCodes) {
    throw new HotzipError(
      'ERR_IMPORT_ATTRIBUTE_UNSUPPORTED',
      `Import attribute "${key}" with value "${value}" is not supported`,
      site,
    );
  }
  return unsupported(url, key, value, site);
}

function invalidType(url: string, type: string, site: ErrorSite): never {
  if (!knownTypes.has(type)) unsupported(url, 'type', type, site);
  const code = legacyCodes ? 'ERR_IMPORT_ASSERTION_TYPE_FAILED' : 'ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE';
  throw new HotzipError(code, `Module "${url}" is not of type "${type}"`, site);
}
