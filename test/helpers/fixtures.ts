/**
 * Test helpers: temporary fixture apps whose archives are built at test time, and real `node` child processes
 * started the way users start them (`node --import hotzip/register …`).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Zippable, zipSync } from 'fflate';
import { nodeVersion } from '../../lib/node-support.js';

/** The repository root (dist/test/helpers/ is three levels below it). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A tree of files: entry name → text or bytes. */
export type Tree = Record<string, string | Uint8Array>;

/** Makes a fresh temporary directory with `node_modules/hotzip` linked to this repository, as an installed app has. */
export function makeApp(prefix = 'hotzip-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'hotzip'), 'dir');
  return dir;
}

/** Writes a tree of files below `dir`. */
export function writeTree(dir: string, tree: Tree): void {
  for (const [name, content] of Object.entries(tree)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** Deflated archive bytes of a tree (fflate, as `hotzip pack` writes them). */
export function zipBytes(tree: Tree, level: 0 | 6 = 6): Uint8Array {
  const input: Zippable = {};
  for (const [name, content] of Object.entries(tree)) {
    input[name] = [typeof content === 'string' ? new TextEncoder().encode(content) : content, { level }];
  }
  return zipSync(input);
}

/** Writes a tree as an archive at `file` (atomically: temp file and rename), returning its path. */
export function writeZip(file: string, tree: Tree, level: 0 | 6 = 6): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, zipBytes(tree, level));
  fs.renameSync(temp, file);
  return file;
}

/** What a finished child process said. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for `runNode`. */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Kills the child after this many ms (a hang is a failure, never a stuck test run). */
  timeoutMs?: number;
  /** Leave out `--import hotzip/register` (for native runs). */
  native?: boolean;
}

/** Runs `command args` to completion, collecting its output; killed after `timeoutMs`, so a hang fails, never stalls. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeoutMs?: number | undefined },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `node [--import hotzip/register] ...args` with this test run's own Node binary. */
export function runNode(args: readonly string[], options: RunOptions): Promise<RunResult> {
  const argv = options.native ? [...args] : ['--import', 'hotzip/register', ...args];
  const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: undefined, ...options.env };
  return runProcess(process.execPath, argv, { cwd: options.cwd, env, timeoutMs: options.timeoutMs });
}

/**
 * Writes `tree` as the archive `archive` in `dir` and runs it as a program there: `node --import hotzip/register
 * <args>`, where `args` is the archive's name unless given.
 */
export function runArchive(
  dir: string,
  archive: string,
  tree: Tree,
  args: readonly string[] = [archive],
  options: Omit<RunOptions, 'cwd'> = {},
): Promise<RunResult> {
  writeZip(path.join(dir, archive), tree);
  return runNode(args, { ...options, cwd: dir });
}

/** Writes `main.mjs` from its source `lines` in `dir` and runs it there under `node --import hotzip/register`. */
export function runMain(
  dir: string,
  lines: readonly string[],
  options: Omit<RunOptions, 'cwd'> = {},
): Promise<RunResult> {
  writeTree(dir, { 'main.mjs': lines.join('\n') });
  return runNode(['main.mjs'], { ...options, cwd: dir });
}

/**
 * Source lines of a module that imports each of `specifiers` in turn and prints, for each, the specifier and then
 * `loaded` (an expression over the namespace `ns`) or `failed` (an expression over the error `e`).
 */
export function importEach(specifiers: readonly string[], loaded: string, failed: string): string[] {
  return [
    `for (const spec of ${JSON.stringify(specifiers)}) {`,
    `  try { const ns = await import(spec); console.log(spec, ${loaded}); }`,
    `  catch (e) { console.log(spec, ${failed}); }`,
    '}',
  ];
}

/**
 * A probe's output, one `name result` line per case, as name → result, with every run-specific base (a directory or
 * an archive URL) replaced by `placeholder`, so that runs from different places compare equal.
 */
export function resultLines(output: string, bases: readonly string[], placeholder = '<base>'): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of output.trim().split('\n')) {
    let text = line;
    for (const base of bases) text = text.replaceAll(base, placeholder);
    const space = text.indexOf(' ');
    lines.set(text.slice(0, space), text.slice(space + 1));
  }
  return lines;
}

/** The Node major version running the tests (children run the same binary). */
export const nodeMajor = nodeVersion[0];
