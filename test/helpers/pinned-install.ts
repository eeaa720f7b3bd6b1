/**
 * Test-only packages pinned in a folder of their own (a package.json and package-lock.json beside a gitignored
 * node_modules): the web frameworks the end-to-end tests vendor, the bundlers whose output they load. Installed with
 * `npm ci --ignore-scripts` only when the installed tree does not match the lockfile, so later runs need no registry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProcess } from './fixtures.js';

interface Lockfile {
  packages: Record<string, { version?: string; link?: boolean; optional?: boolean }>;
}

/** The installed packages of `dir` that differ from its lockfile (missing or another version); empty when all match. */
function staleInstall(dir: string): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as Lockfile;
  const stale: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (where === '' || entry.link === true || entry.version === undefined) continue;
    // An optional package for another platform (a bundler's native binary) is not installed here, by design.
    const manifest = path.join(dir, where, 'package.json');
    let version: unknown;
    try {
      version = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
    } catch {
      version = entry.optional === true ? entry.version : undefined;
    }
    if (version !== entry.version) stale.push(`${where.replace(/^.*node_modules\//, '')}@${entry.version}`);
  }
  return stale;
}

/** npm's error lines (or whatever it printed, when it printed none), without the stack trace it adds to them. */
function npmSaid(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && !/^npm error\s+at /.test(line));
  const errors = lines.filter((line) => line.startsWith('npm error'));
  return (errors.length > 0 ? errors : lines).slice(0, 8).join('\n') || '(nothing)';
}

const installing = new Map<string, Promise<void>>();

/**
 * Makes `dir`'s node_modules match its lockfile. Rejects with a message that says the registry was needed and what
 * npm said, so a failure offline is never mistaken for a hotzip bug; `what` names the packages in that message.
 */
export function installPinned(dir: string, what: string): Promise<void> {
  let install = installing.get(dir);
  if (install === undefined) {
    install = (async () => {
      const missing = staleInstall(dir);
      if (missing.length === 0) return;
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const args = ['ci', '--ignore-scripts', '--no-audit', '--no-fund'];
      const result = await runProcess(npm, args, {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: undefined },
        timeoutMs: 300_000,
      }).catch((error: unknown) => ({ code: null, signal: null, stdout: '', stderr: String(error) }));
      const left = result.code === 0 ? staleInstall(dir) : missing;
      if (left.length > 0) {
        throw new Error(
          `the ${what} are not installed and \`npm ${args.join(' ')}\` in ${dir} failed ` +
            `(exit ${result.code ?? result.signal}): the npm registry is probably unavailable. These tests need it ` +
            `once, to install ${left.length} pinned packages (${left.slice(0, 3).join(', ')}, …); later runs use the ` +
            `installed tree.\nnpm said:\n${npmSaid(result.stderr)}`,
        );
      }
    })();
    installing.set(dir, install);
  }
  return install;
}
