/**
 * `hotzip run <app.zip | dir> [-- args]`: runs an archive's main under hot reload in a child `node`, the way
 * `node --watch` supervises a script, except that changes are applied in place by the child's runtime and the child is
 * restarted only when that runtime says an update cannot be (`restart-required`, e.g. a module called decline()).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Failure } from './cli-archive.js';
import type { RestartMessage } from './cli-run-child.js';
import { TreeWatcher } from './cli-watch.js';
import { packDirectory } from './pack.js';

/** How long a child asked to stop for a restart gets before it is killed outright. */
const RESTART_GRACE_MS = 5000;

/** The archive to run: the one given, or a pack of the directory given, kept current while the run lasts. */
interface Target {
  archive: string;
  close(): void;
}

function prepare(target: string, main: string | undefined): Target {
  const stats = fs.statSync(target, { throwIfNoEntry: false });
  if (stats === undefined) throw new Failure(`cannot run ${target}: no such file or directory`);
  if (!stats.isDirectory()) {
    if (main !== undefined) throw new Failure(`-m only applies to a directory; ${target} is an archive`);
    return { archive: path.resolve(target), close: () => {} };
  }
  // A directory is packed into a private temp directory: nothing is written next to the user's files.
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-run-'));
  const archive = path.join(temp, `${path.basename(path.resolve(target)) || 'app'}.zip`);
  const repack = () => {
    try {
      const result = packDirectory(target, archive, { level: 6, main });
      watcher.sync(result.directories);
    } catch (error) {
      process.stderr.write(`hotzip run: repacking ${target} failed: ${(error as Error).message}\n`);
    }
  };
  const watcher = new TreeWatcher(repack);
  try {
    watcher.sync(packDirectory(target, archive, { level: 6, main }).directories);
  } catch (error) {
    watcher.close();
    fs.rmSync(temp, { recursive: true, force: true });
    throw new Failure(`cannot pack ${target}: ${(error as Error).message}`);
  }
  return {
    archive,
    close: () => {
      watcher.close();
      fs.rmSync(temp, { recursive: true, force: true });
    },
  };
}

function isRestartMessage(value: unknown): value is RestartMessage {
  return typeof value === 'object' && value !== null && (value as { hotzip?: unknown }).hotzip === 'restart-required';
}

/** The outcome of the run: the child's exit code, or the signal that ended it (to be re-raised by the caller). */
export type RunOutcome = { code: number } | { signal: NodeJS.Signals };

/**
 * Runs `target` with `args` until the child exits for good; forwards SIGINT and SIGTERM to it. Messages name the
 * target as the user typed it. `main` sets the package.json "main" of a directory's pack (as `pack -m` does).
 */
export function runTarget(target: string, args: readonly string[], main?: string): Promise<RunOutcome> {
  const prepared = prepare(target, main);
  const register = new URL('../loader/register.js', import.meta.url).href;
  const preload = new URL('./cli-run-child.js', import.meta.url).href;
  const argv = ['--import', register, '--import', preload, prepared.archive, ...args];
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    let restarting = false;
    let stopping = false;
    let killTimer: NodeJS.Timeout | undefined;
    const forward = (signal: NodeJS.Signals) => {
      stopping = true;
      child.kill(signal);
    };
    const onSigint = () => forward('SIGINT');
    const onSigterm = () => forward('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    const finish = (outcome: RunOutcome | Error) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      prepared.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const start = () => {
      restarting = false;
      child = spawn(process.execPath, argv, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
      child.on('error', (error) => finish(new Failure(`cannot start node: ${error.message}`)));
      child.on('message', (message: unknown) => {
        if (!isRestartMessage(message) || restarting || stopping) return;
        restarting = true;
        // The child's runtime has already logged which modules need it ("[hotzip] restart required to apply …").
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), RESTART_GRACE_MS);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(killTimer);
        if (restarting && !stopping) {
          process.stderr.write(`Restarting '${target}'\n`);
          start();
          return;
        }
        // Stopped by a signal the user sent: exit as node --watch does, without a verdict on the program.
        if (!stopping) {
          const verdict = code === 0 ? 'Completed' : 'Failed';
          process.stderr.write(`${verdict} running '${target}'\n`);
        }
        finish(signal !== null ? { signal } : { code: code ?? 1 });
      });
    };
    start();
  });
}
