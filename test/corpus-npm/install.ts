/**
 * The corpus is installed from its committed lockfile only (`npm ci --ignore-scripts`, from npm's cache when it has
 * the tarballs), into test/corpus-npm/node_modules. A stamp of the lockfile's hash marks a finished install, so a run
 * reinstalls only when the lockfile changed or an install was cut short. When npm cannot install (no registry, no
 * cache), the suite fails with that reason: a corpus that could not be installed must never read as a pass.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';

/** The folder holding the corpus's package.json and lockfile. */
export const corpusDir = path.join(repoRoot, 'test', 'corpus-npm');
/** Where `npm ci` puts the corpus. */
export const corpusModules = path.join(corpusDir, 'node_modules');

/** Thrown when the corpus cannot be installed; its message says why and what npm said. */
export class CorpusInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorpusInstallError';
  }
}

function lockHash(dir: string): string {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(dir, 'package-lock.json')))
    .digest('hex');
}

/**
 * Installs the corpus unless the installed tree matches the lockfile already; returns what it did. Throws a
 * CorpusInstallError naming the registry when npm fails.
 */
export function ensureCorpusInstalled(): 'up to date' | 'installed' {
  return ensureInstalled(corpusDir);
}

/**
 * Installs the pinned tree of `dir` (a folder of this repository holding a package.json and its lockfile) into
 * `dir/node_modules`, unless it matches the lockfile already: the corpus's way, for every pinned corpus.
 */
export function ensureInstalled(dir: string): 'up to date' | 'installed' {
  const stamp = path.join(dir, 'node_modules', '.hotzip-corpus-lock.sha256');
  const lockfile = path.relative(repoRoot, path.join(dir, 'package-lock.json'));
  const wanted = lockHash(dir);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) return 'up to date';
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, NODE_OPTIONS: undefined },
  });
  if (result.status !== 0) {
    const said = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-8).join('\n');
    const why = result.error !== undefined ? String(result.error) : `npm ci exited with ${result.status}`;
    throw new CorpusInstallError(
      `the npm corpus could not be installed from ${lockfile} (${why}): ` +
        `the npm registry (or npm's cache) is unavailable, or the lockfile is broken. npm said:\n${said}`,
    );
  }
  fs.writeFileSync(stamp, `${wanted}\n`);
  return 'installed';
}
