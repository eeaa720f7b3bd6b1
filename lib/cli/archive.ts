/**
 * Opening an archive for `ls` and `verify`: the same reader and the same limits (HOTZIP_MAX_*) as the loader, so what
 * the command line accepts is exactly what a running program will serve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { limitsFromEnv } from '../archive/cache.js';
import { Archive, type ArchiveLimits } from '../archive/reader.js';
import { isCodedError } from '../errors.js';
import { commandFailed } from './error.js';

/** One line for a thrown error: `CODE: message` when it has a code, so scripts and tests can match on the code. */
export function describeError(error: unknown): string {
  // A system error's message starts with its code already (`ENOENT: no such file or directory, …`).
  if (isCodedError(error) && !error.message.startsWith(`${error.code}:`)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The loader's limits (HOTZIP_MAX_*, HOTZIP_RATIO_FLOOR_BYTES); a malformed variable is a command failure. */
export function cliLimits(): ArchiveLimits {
  try {
    return limitsFromEnv();
  } catch (error) {
    throw commandFailed(describeError(error));
  }
}

/** Reads and parses the archive at `file`; a missing file or a parse error becomes a command failure naming the archive. */
export function openArchive(file: string, limits: ArchiveLimits = cliLimits()): Archive {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : describeError(error);
    throw commandFailed(`cannot read archive ${file}: ${why}`);
  }
  try {
    return Archive.parse(bytes, absolute, limits);
  } catch (error) {
    throw commandFailed(`${file} is not a sound archive:`, [describeError(error)]);
  }
}

/**
 * What the loader would refuse in the archive at `file` under its limits (HOTZIP_MAX_*, HOTZIP_RATIO_FLOOR_BYTES):
 * one line each, none when it would serve every entry. `pack` warns with them, so an archive the program cannot load
 * (a file of repeated bytes over the ratio limit, say) is not found out only at start-up.
 */
export function limitProblems(file: string): string[] {
  let archive: Archive;
  try {
    const absolute = path.resolve(file);
    archive = Archive.parse(fs.readFileSync(absolute), absolute, limitsFromEnv());
  } catch (error) {
    return [describeError(error)];
  }
  const problems: string[] = [];
  for (const name of archive.entries.keys()) {
    try {
      archive.stored(name);
    } catch (error) {
      problems.push(describeError(error));
    }
  }
  return problems;
}

/** An entry name safe to print on one terminal line: names holding control characters are shown JSON-quoted. */
export function printableName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}
