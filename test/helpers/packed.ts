/**
 * hotzip as users get it: the files git tracks (or would track: new files not ignored) copied into a clean folder
 * (what `git clone` gives once they are committed, without dist/ or node_modules), packed there with `npm pack` (which builds it
 * through the `prepare` script), and installed from the tarball or from a git URL into a fresh app.
 *
 * The tarball is cached under .tmp/packed/ by a hash of the tracked files' contents, so the four Node versions of a
 * CI run, and the test files that install hotzip, pack it once.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './fixtures.js';

const execFileAsync = promisify(execFile);

/** The environment for npm and installed bins: this test run's node first on PATH, no inherited NODE_OPTIONS. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    NODE_OPTIONS: '',
    NO_COLOR: '1',
    ...extra,
  };
}

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((name) => name !== '' && fs.existsSync(path.join(repoRoot, name)));
}

/** Copies the tracked files, as they are in the working tree, into `dir`; returns a hash of their names and contents. */
export function copyCleanTree(dir: string): string {
  const hash = createHash('sha1');
  for (const name of trackedFiles()) {
    const bytes = fs.readFileSync(path.join(repoRoot, name));
    hash.update(name).update('\0').update(bytes);
    const target = path.join(dir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bytes, { mode: fs.statSync(path.join(repoRoot, name)).mode });
  }
  return hash.digest('hex').slice(0, 16);
}

async function npm(args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('npm', args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stderr.slice(-4000)}`, { cause: error });
  }
}

/**
 * The path of a tarball packed from a clean copy of this checkout. `npm ci --ignore-scripts` gives the copy its
 * devDependencies; `npm pack` then runs `prepare`, which is what builds dist/ for a user.
 */
export async function packedTarball(): Promise<string> {
  const cache = path.join(repoRoot, '.tmp', 'packed');
  fs.mkdirSync(cache, { recursive: true });
  const clean = fs.mkdtempSync(path.join(cache, 'clean-'));
  try {
    const key = copyCleanTree(clean);
    const cached = path.join(cache, `hotzip-${key}.tgz`);
    if (fs.existsSync(cached)) return cached;
    await npm(['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--silent'], clean);
    const packed = await npm(['pack', '--pack-destination', clean, '--silent'], clean);
    const tarball = path.join(clean, packed.trim().split('\n').pop() ?? '');
    // Rename is atomic: two test files packing at once both end with a whole tarball at the cached path.
    fs.renameSync(tarball, cached);
    return cached;
  } finally {
    fs.rmSync(clean, { recursive: true, force: true });
  }
}

/** Makes an app folder with a package.json and installs `spec` (a tarball path or a git URL) into it. */
export async function installInto(app: string, spec: string): Promise<void> {
  fs.mkdirSync(app, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "hotzip-user-app", "private": true }\n');
  await npm(['install', spec, '--no-audit', '--no-fund', '--prefer-offline', '--silent'], app);
}
