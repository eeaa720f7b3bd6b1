/**
 * Replacing a file whole: the bytes go to a temporary file beside it, which is then renamed over it, so that a reader
 * (a watcher, another process, the next start) finds the old file or the new one, never one written halfway.
 */
import * as fs from 'node:fs';

/** Whether `candidate` is one of the temporary files `writeFileAtomic` makes for `file`. */
export function isTemporaryOf(candidate: string, file: string): boolean {
  return candidate.startsWith(`${file}.tmp-`);
}

/** A fresh temporary name beside `file` (one `isTemporaryOf` recognises), for a write then a rename over it. */
export function temporaryFileFor(file: string): string {
  return `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Writes `data` to `file` through a temporary file and a rename; on failure removes the temporary file and throws. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): void {
  const temp = temporaryFileFor(file);
  try {
    fs.writeFileSync(temp, data, mode === undefined ? undefined : { mode });
    fs.renameSync(temp, file);
  } catch (error) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // The write's own error is the one to report.
    }
    throw error;
  }
}
