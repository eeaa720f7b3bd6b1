/**
 * Archives that stand for a directory of source files. `hotzip run <dir>` packs the directory into a private temp
 * archive and names the pair in HOTZIP_PACKED_FROM (a JSON object, archive path → directory), so that what the
 * archive does not contain resolves from the directory, as `node <dir>/main.js` would, and not from the temp folder.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { config } from '../config.js';

/**
 * The `file:` URL that Node's own resolver should resolve from, for what an archive module imports that the archive
 * does not hold: the entry's own path in the source directory the archive was packed from, else the archive file.
 */
export function hostParentURL(archive: string, entry: string): string {
  const directory = config().packedFrom.get(archive);
  return pathToFileURL(directory === undefined ? archive : path.join(directory, entry)).href;
}
