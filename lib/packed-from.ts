/**
 * Archives that stand for a directory of source files. `hotzip run <dir>` packs the directory into a private temp
 * archive and names the pair in HOTZIP_PACKED_FROM (a JSON object, archive path → directory), so that what the
 * archive does not contain resolves from the directory, as `node <dir>/main.js` would, and not from the temp folder.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

function parse(raw: string | undefined): Map<string, string> {
  if (raw === undefined || raw === '') return new Map();
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return new Map();
    return new Map(Object.entries(value).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
  } catch {
    return new Map();
  }
}

const packedFrom = parse(process.env.HOTZIP_PACKED_FROM);

/**
 * The `file:` URL that Node's own resolver should resolve from, for what an archive module imports that the archive
 * does not hold: the entry's own path in the source directory the archive was packed from, else the archive file.
 */
export function hostParentURL(archive: string, entry: string): string {
  const directory = packedFrom.get(archive);
  return pathToFileURL(directory === undefined ? archive : path.join(directory, entry)).href;
}
