/**
 * `hotzip verify <app.zip>`: every check the reader makes when parsing, then every entry inflated and its size and
 * CRC-32 compared — what Archive.verify() does, but keeping each failure's code so the output says which kind it is.
 */
import { cliLimits, describeError, openArchive } from './archive.js';
import { commandFailed } from './error.js';

/** Checks the archive at `file`; returns the number of entries when sound, throws a command failure listing the reasons. */
export function verifyArchive(file: string): number {
  const archive = openArchive(file, cliLimits());
  const problems: string[] = [];
  // Reading an unservable entry throws ERR_HOTZIP_BAD_ARCHIVE with its reason, the same line the loader would print.
  for (const name of [...archive.unservable.keys(), ...archive.entries.keys()]) {
    try {
      archive.read(name);
    } catch (error) {
      problems.push(describeError(error));
    }
  }
  if (problems.length > 0) throw commandFailed(`${file} is not a sound archive:`, problems);
  return archive.entries.size;
}
