/**
 * One hotzip per thread. Two installs in one process (an npm duplicate, a dependency bringing its own copy, a second
 * `--import`) would each register hooks and a runtime: the later hooks serve every archive module, and modules loaded
 * before them stop updating (their next version registers with the later runtime, which never asked for it). So the
 * first install claims the thread; a later one of the same registration format stands down (its runtime API reaches
 * the first one's runtime), and one of another format is refused before it changes anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { config } from '../config.js';
import { HotzipError } from '../errors.js';
import { log } from '../log.js';
import { REGISTRATION_FORMAT } from '../transform/transform.js';

/** What the install that claimed a thread leaves on its global object; every later install reads it, of any format. */
export interface ThreadClaim {
  /** Its registration format (see REGISTRATION_FORMAT). */
  format: number;
  /** Its package folder. */
  root: string;
}

const CLAIM = Symbol.for('hotzip.install');

/** Where installs of format 1, which left no claim, published their runtime. */
const UNNUMBERED_RUNTIME = Symbol.for('hotzip.runtime');

/** This install's package folder (this file is dist/lib/load/thread-claim.js). */
const ownRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/[\\/]$/, '');

/**
 * Claims `scope` (the thread's global object) for this install: true when it is the first, false when an install of
 * the same registration format already has it (this one then installs nothing). Throws ERR_HOTZIP_RUNTIME_MISMATCH
 * when the install already there speaks another format, leaving it in charge.
 */
export function claimThread(
  scope: Record<symbol, unknown> = globalThis as Record<symbol, unknown>,
  self: ThreadClaim = { format: REGISTRATION_FORMAT, root: ownRoot },
): boolean {
  const found = scope[CLAIM] as ThreadClaim | undefined;
  if (found === undefined && scope[UNNUMBERED_RUNTIME] !== undefined) throw mismatch(self, { format: 1, root: '' });
  if (found === undefined) {
    Object.defineProperty(scope, CLAIM, { value: Object.freeze({ ...self }), configurable: true });
    return true;
  }
  if (found.format !== self.format) throw mismatch(self, found);
  // The message reads both package.json files: only when it is shown.
  if (found.root !== self.root && config().logLevel === 'debug') {
    log('debug', `${describe(self)} stands down: ${describe(found)} is already installed in this thread and serves it`);
  }
  return false;
}

function mismatch(self: ThreadClaim, found: ThreadClaim): HotzipError {
  return new HotzipError(
    'ERR_HOTZIP_RUNTIME_MISMATCH',
    `${describe(self)} (registration format ${self.format}) cannot install: ${describe(found)} (registration ` +
      `format ${found.format}) is already installed in this thread, and modules served by one would not register ` +
      'with the other. Use one hotzip: install a single version (npm ls hotzip; npm dedupe, or "overrides" in ' +
      'package.json), and register it once (one --import hotzip/register, no second register() call).',
  );
}

/** An install as its package.json names it, with its folder. */
function describe(claim: ThreadClaim): string {
  if (claim.root === '') return 'an earlier hotzip';
  let version = 'of unknown version';
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(claim.root, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    if (typeof manifest.version === 'string') version = manifest.version;
  } catch {
    // The folder's package.json is gone or unreadable: the path still says which install it is.
  }
  return `hotzip ${version} at ${claim.root}`;
}
