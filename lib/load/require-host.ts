/**
 * `require()` from archive CommonJS of what the archive does not contain (a host package, an absolute path).
 *
 * A module served from an archive has no directory on disk, so Node's own CommonJS lookup would walk up from a path
 * made of the current directory and the module's `zip:` URL. hotzip asks Node's require() for a file beside the
 * archive instead, which is where the archive's tree would sit if it were extracted: the same `node_modules`
 * folders, `NODE_PATH` and global folders, conditions and extensions. Its errors name the requiring entry.
 */
import { createRequire, isBuiltin } from 'node:module';
import { pathToFileURL } from 'node:url';
import { HotzipError, isCodedError } from '../errors.js';
import { hostParentURL } from '../resolve/packed-from.js';
import { builtinUrl } from '../resolve/specifiers.js';
import { isZipUrl, type ZipLocation } from '../url/zip-url.js';

/**
 * Node's require() as seen from the archive's location on disk (or, for an archive `hotzip run` packed from a
 * directory, from the entry's own file in that directory).
 */
function requireBeside(importer: ZipLocation): NodeJS.Require {
  return createRequire(hostParentURL(importer.archive, importer.entry));
}

/**
 * Node's error for `specifier` resolved on behalf of `importer`: a missing module becomes hotzip's
 * MODULE_NOT_FOUND naming the entry (the code Node's require() uses); other errors keep their code and class, with
 * the archive's path replaced by the importer's URL.
 */
function fromImporter(error: unknown, specifier: string, importer: ZipLocation): unknown {
  const { archive, entry, url } = importer;
  if (isCodedError(error) && error.code === 'MODULE_NOT_FOUND') {
    const notFound = new HotzipError(
      'MODULE_NOT_FOUND',
      `Cannot find module '${specifier}' required from ${url} (entry "${entry}" in ${archive})`,
      { archive, entry },
      { cause: error },
    );
    Object.defineProperty(notFound, 'requireStack', { value: [url], enumerable: true, configurable: true });
    return notFound;
  }
  if (error instanceof Error) {
    const archiveUrl = pathToFileURL(archive).href;
    error.message = error.message.replaceAll(archiveUrl, url).replaceAll(archive, url);
  }
  return error;
}

/** Node's resolution of `specifier` beside the archive of `importer`: a filename, a builtin id or a `zip:` URL. */
function resolveFilename(specifier: string, importer: ZipLocation): string {
  try {
    return requireBeside(importer).resolve(specifier);
  } catch (error) {
    throw fromImporter(error, specifier, importer);
  }
}

/** The URL `require(specifier)` in the archive module at `importer` names, resolved from beside the archive. */
export function resolveBesideArchive(specifier: string, importer: ZipLocation): string {
  const filename = resolveFilename(specifier, importer);
  // Node's require.resolve goes through the module hooks where they reach require(): a search-path archive may answer.
  if (isZipUrl(filename)) return filename;
  if (isBuiltin(filename)) return builtinUrl(filename);
  return pathToFileURL(filename).href;
}
