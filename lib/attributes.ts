/**
 * Import attribute checks (`with { type: 'json' }`) for modules served from archives.
 *
 * Node runs these checks in its default load step, which a short-circuiting load hook skips, so hotzip repeats
 * them with Node's own codes and messages. Node 20 still uses the older "assertion" codes.
 */
import { HotzipError } from './errors.js';

const legacyCodes = Number(process.versions.node.split('.')[0]) < 21;

/** The `type` attribute each format requires; formats not listed accept no `type` at all. */
const requiredType: ReadonlyMap<string, string> = new Map([['json', 'json']]);

/** Attribute types this Node knows at all. */
const knownTypes: ReadonlySet<string> = new Set(['json']);

/** Throws Node's error when `attributes` do not fit a module of `format` at `url`; returns quietly when they do. */
export function validateAttributes(url: string, format: string, attributes: Record<string, string> | undefined): void {
  const given = attributes ?? {};
  for (const key of Object.keys(given)) {
    if (key !== 'type') unknownKey(url, key, String(given[key]));
  }
  const type = Object.hasOwn(given, 'type') ? given.type : undefined;
  const required = requiredType.get(format);
  if (required === undefined) {
    if (type !== undefined) invalidType(url, type);
    return;
  }
  if (type === required) return;
  if (type === undefined) {
    if (legacyCodes) {
      throw new HotzipError(
        'ERR_IMPORT_ASSERTION_TYPE_MISSING',
        `Module "${url}" needs an import attribute of type "${required}"`,
      );
    }
    throw new HotzipError(
      'ERR_IMPORT_ATTRIBUTE_MISSING',
      `Module "${url}" needs an import attribute of "type: ${required}"`,
    );
  }
  invalidType(url, type);
}

function unsupported(url: string, key: string, value: string): never {
  if (legacyCodes)
    throw new HotzipError('ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED', `Import attribute type "${value}" is unsupported`);
  throw new HotzipError(
    'ERR_IMPORT_ATTRIBUTE_UNSUPPORTED',
    `Import attribute "${key}" with value "${value}" is not supported in ${url}`,
  );
}

/** An attribute key other than `type`: Node 20.20 already rejects these with the newer code, minus the URL. */
function unknownKey(url: string, key: string, value: string): never {
  if (legacyCodes) {
    throw new HotzipError(
      'ERR_IMPORT_ATTRIBUTE_UNSUPPORTED',
      `Import attribute "${key}" with value "${value}" is not supported`,
    );
  }
  return unsupported(url, key, value);
}

function invalidType(url: string, type: string): never {
  if (!knownTypes.has(type)) unsupported(url, 'type', type);
  const code = legacyCodes ? 'ERR_IMPORT_ASSERTION_TYPE_FAILED' : 'ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE';
  throw new HotzipError(code, `Module "${url}" is not of type "${type}"`);
}
