/**
 * `hotzip run [node flags] <app.zip | dir> [-- args]`: runs an archive's main under hot reload in a child `node`, the
 * way `node --watch` supervises a script, except that changes are applied in place by the child's runtime and the
 * child is restarted only when that runtime says an update cannot be (`restart-required`, e.g. a module called
 * decline()). After a failed start or a crash it waits for the next change, as `node --watch` does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packDirectory } from '../archive/pack.js';
import { commandFailed } from './error.js';
import type { RestartMessage } from './run-child.js';
import { TreeWatcher } from './watch.js';

/** How long a child asked to stop for a restart gets before it is killed outright. */
const RESTART_GRACE_MS = 5000;

/** The archive to run: the one given, or a pack of the directory given, kept current while the run lasts. */
interface Target {
  archive: string;
  /** The source directory the archive is packed from (a directory target only). */
  directory?: string;
  /** Called after each change of the target (a repack, or the archive replaced or rewritten). */
  onChange: (() => void) | undefined;
  close(): void;
}

function watchArchive(target: Target): () => void {
  // Polling the archive's stat survives every way of replacing it (rename over it, rewrite in place, delete and
  // recreate), where an fs.watch on the file stops at the first rename.
  const listener = (current: fs.Stats, previous: fs.Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) {
      target.onChange?.();
    }
  };
  fs.watchFile(target.archive, { interval: 200 }, listener);
  return () => fs.unwatchFile(target.archive, listener);
}

function prepare(target: string, main: string | undefined): Target {
  const stats = fs.statSync(target, { throwIfNoEntry: false });
  if (stats === undefined) throw commandFailed(`cannot run ${target}: no such file or directory`);
  if (!stats.isDirectory()) {
    if (main !== undefined) throw commandFailed(`-m only applies to a directory; ${target} is an archive`);
    const prepared: Target = { archive: path.resolve(target), onChange: undefined, close: () => {} };
    prepared.close = watchArchive(prepared);
    return prepared;
  }
  // A directory is packed into a private temp directory: nothing is written next to the user's files.
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-run-'));
  const archive = path.join(temp, `${path.basename(path.resolve(target)) || 'app'}.zip`);
  const repack = () => {
    try {
      const result = packDirectory(target, archive, { level: 6, main, keepOverEmpty: true });
      watcher.sync(result.directories);
      prepared.onChange?.();
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
    throw commandFailed(`cannot pack ${target}: ${(error as Error).message}`);
  }
  const prepared: Target = {
    archive,
    directory: path.resolve(target),
    onChange: undefined,
    close: () => {
      watcher.close();
      fs.rmSync(temp, { recursive: true, force: true });
    },
  };
  return prepared;
}

/**
 * The child's stderr with the temp archive's names turned back into the source directory's paths, so that errors
 * and stack traces name `src/lib/x.js:3:7`, files an editor can open, a module's later versions too. Whole lines
 * are rewritten (a name is never cut in two by a chunk boundary); a partial line (a prompt) is passed on after a
 * short wait.
 */
function sourceNames(archive: string, directory: string): (chunk: string) => string {
  const archiveUrl = pathToFileURL(archive).pathname;
  const replacements: Array<[string, string]> = [
    [`zip://${archiveUrl}!/`, `${directory}${path.sep}`],
    [`zip:${archiveUrl}!/`, `${directory}${path.sep}`],
    [`${archive}!/`, `${directory}${path.sep}`],
    [`zip://${archiveUrl}`, directory],
    [pathToFileURL(archive).href, pathToFileURL(directory).href],
    [archive, directory],
  ];
  // A module updated in place runs as a new instance, `x.js?hz=3`, which its stack traces name: the file is x.js.
  const escaped = `${directory}${path.sep}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const versioned = new RegExp(`(${escaped}[^\\s?#()]*(?:\\?[^\\s#()]*?)?)[?&]hz=\\d+(?:r\\d+|u)?(?=[\\s#():]|$)`, 'g');
  return (text) => {
    let out = text;
    for (const [from, to] of replacements) out = out.split(from).join(to);
    return out.replace(versioned, '$1');
  };
}

function pipeRewritten(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, rewrite: (text: string) => string) {
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending !== '') to.write(rewrite(pending));
    pending = '';
  };
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    pending += chunk;
    const cut = pending.lastIndexOf('\n') + 1;
    if (cut > 0) {
      to.write(rewrite(pending.slice(0, cut)));
      pending = pending.slice(cut);
    }
    clearTimeout(timer);
    if (pending !== '') timer = setTimeout(flush, 50);
  });
  from.on('end', () => {
    clearTimeout(timer);
    flush();
  });
}

function isRestartMessage(value: unknown): value is RestartMessage {
  return typeof value === 'object' && value !== null && (value as { hotzip?: unknown }).hotzip === 'restart-required';
}

/** The outcome of the run: the child's exit code, or the signal that ended it (to be re-raised by the caller). */
export type RunOutcome = { code: number } | { signal: NodeJS.Signals };

/** What `runTarget` runs, besides the target. */
export interface RunOptions {
  /** Arguments for the program (after `--`). */
  args: readonly string[];
  /** For a directory: the package.json "main" of its pack (as `pack -m` sets it). */
  main?: string | undefined;
  /** Node's own flags, passed to the child before hotzip's (`--inspect`, `--enable-source-maps`). */
  nodeFlags?: readonly string[];
}

/**
 * Runs `target` until the child exits for good (exit code 0, or a signal the user sent); forwards SIGINT and
 * SIGTERM to it. After a failed start or a crash it waits for the target to change and starts it again. Messages
 * name the target as the user typed it.
 */
export function runTarget(target: string, options: RunOptions): Promise<RunOutcome> {
  const prepared = prepare(target, options.main);
  const register = new URL('../../loader/register.js', import.meta.url).href;
  const preload = new URL('./run-child.js', import.meta.url).href;
  const argv = [
    ...(options.nodeFlags ?? []),
    '--import',
    register,
    '--import',
    preload,
    prepared.archive,
    ...options.args,
  ];
  const env = { ...process.env };
  if (prepared.directory !== undefined) {
    env.HOTZIP_PACKED_FROM = JSON.stringify({ [prepared.archive]: prepared.directory });
  }
  const rewrite = prepared.directory === undefined ? undefined : sourceNames(prepared.archive, prepared.directory);
  return new Promise((resolve, reject) => {
    let child: ChildProcess | undefined;
    let restarting = false;
    let stopping = false;
    let waiting = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      stopping = true;
      // Waiting for a change, there is no child to pass the signal to: stop as the child would have.
      if (waiting || child === undefined) finish({ signal });
      else child.kill(signal);
    };
    const onSigint = () => onSignal('SIGINT');
    const onSigterm = () => onSignal('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    const finish = (outcome: RunOutcome | Error) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      prepared.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    prepared.onChange = () => {
      if (!waiting || stopping) return;
      waiting = false;
      process.stderr.write(`Restarting '${target}'\n`);
      start();
    };
    const start = () => {
      restarting = false;
      const running = spawn(process.execPath, argv, {
        env,
        stdio: ['inherit', 'inherit', rewrite === undefined ? 'inherit' : 'pipe', 'ipc'],
      });
      child = running;
      if (rewrite !== undefined && running.stderr !== null) pipeRewritten(running.stderr, process.stderr, rewrite);
      running.on('error', (error) => finish(commandFailed(`cannot start node: ${error.message}`)));
      running.on('message', (message: unknown) => {
        if (!isRestartMessage(message) || restarting || stopping) return;
        restarting = true;
        // The child's runtime has already logged which modules need it ("[hotzip] restart required to apply …").
        running.kill('SIGTERM');
        killTimer = setTimeout(() => running.kill('SIGKILL'), RESTART_GRACE_MS);
      });
      running.on('exit', (code, signal) => {
        clearTimeout(killTimer);
        if (restarting && !stopping) {
          process.stderr.write(`Restarting '${target}'\n`);
          start();
          return;
        }
        // Stopped by a signal the user sent: exit as node --watch does, without a verdict on the program.
        if (stopping) {
          finish(signal !== null ? { signal } : { code: code ?? 1 });
          return;
        }
        if (code === 0) {
          process.stderr.write(`Completed running '${target}'\n`);
          finish({ code: 0 });
          return;
        }
        // A failed start or a crash: the fix is usually the next save, so wait for it instead of exiting.
        waiting = true;
        process.stderr.write(`Failed running '${target}'. Waiting for file changes before restarting...\n`);
      });
    };
    start();
  });
}
