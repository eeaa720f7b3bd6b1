/**
 * A long-running app under `node --import hotzip/register` that the hot-reload tests talk to: they replace its
 * archive on disk, wait for the update the app reports, and ask it to print its state.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { chooseHookApi } from '../../lib/node-support.js';
import { type Tree, writeTree, writeZip } from './fixtures.js';

/** A runtime event the app reported: its name and payload. */
export interface HotEvent {
  name: string;
  updated: string[];
  removed: string[];
  code?: string;
  message?: string;
  /** The archive and entry the error names. */
  archive?: string;
  entry?: string;
  /** The modules and entries only a restart can apply. */
  restart?: string[];
}

/**
 * The app's main module: it imports whatever `imports` says, prints `STATE <json>` of `state` on every `p` line on
 * stdin, and `EVENT <name> <json>` for every runtime event.
 */
export function hostMain(imports: string, state: string): string {
  return [
    imports,
    "import { on } from 'hotzip';",
    "for (const name of ['update', 'error', 'restart-required']) {",
    '  on(name, (r) => console.log("EVENT " + name + " " + JSON.stringify({ updated: r.updated, removed: r.removed, code: r.error?.code, message: r.error?.message, archive: r.error?.archive, entry: r.error?.entry, restart: r.restartRequired })));',
    '}',
    "process.stdin.setEncoding('utf8');",
    "let buffered = '';",
    "process.stdin.on('data', async (chunk) => {",
    '  buffered += chunk;',
    '  let at;',
    "  while ((at = buffered.indexOf('\\n')) !== -1) {",
    '    const line = buffered.slice(0, at);',
    '    buffered = buffered.slice(at + 1);',
    "    if (line === 'p') { try { console.log('STATE ' + JSON.stringify(await (async () => (" +
      state +
      "))())); } catch (e) { console.log('STATE-ERROR ' + e.message); } }",
    "    if (line.startsWith('i ')) { try { console.log('IMPORTED ' + JSON.stringify({ ...(await import(line.slice(2))) })); } catch (e) { console.log('IMPORT-ERROR ' + e.code + ' ' + e.message); } }",
    "    if (line === 'q') process.exit(0);",
    '  }',
    '});',
    "console.log('READY');",
  ].join('\n');
}

/** A running app process with line-oriented expectations over its stdout. */
export class HotApp {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  #cursor = 0;
  #waiters: Array<() => void> = [];
  exited: Promise<number | null>;

  /** `preloads` are what the app is started with `--import` of, in order. */
  constructor(dir: string, main: string, env: Record<string, string> = {}, preloads = ['hotzip/register']) {
    writeTree(dir, { 'main.mjs': main });
    const args = [...preloads.flatMap((preload) => ['--import', preload]), path.join(dir, 'main.mjs')];
    this.child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    this.exited.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Waits for the next stdout line (after the previous match) that matches `pattern`, and returns it. */
  async next(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.stdout.slice(this.#cursor).split('\n');
      let offset = this.#cursor;
      for (const line of lines.slice(0, -1)) {
        offset += line.length + 1;
        if (pattern.test(line)) {
          this.#cursor = offset;
          return line;
        }
      }
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `no line matching ${pattern} (exit ${this.child.exitCode})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Waits until stderr matches `pattern`. hotzip logs on stderr and the app prints events on stdout: two pipes,
   * and on Node 20 the log line even comes from the hooks thread, so an event can arrive before its log line.
   */
  async stderrMatch(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr)) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`stderr never matched ${pattern} (exit ${this.child.exitCode})\nstderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Asks the app for its state and returns it parsed. */
  async state(): Promise<unknown> {
    this.child.stdin.write('p\n');
    const line = await this.next(/^STATE/);
    if (line.startsWith('STATE-ERROR')) throw new Error(line);
    return JSON.parse(line.slice('STATE '.length));
  }

  /** Imports `specifier` inside the app and returns the namespace as JSON, or throws the app's import error. */
  async importInApp(specifier: string): Promise<Record<string, unknown>> {
    this.child.stdin.write(`i ${specifier}\n`);
    const line = await this.next(/^IMPORT(ED|-ERROR) /);
    if (line.startsWith('IMPORT-ERROR')) throw new Error(line);
    return JSON.parse(line.slice('IMPORTED '.length));
  }

  /** Waits for the next runtime event line and returns its name and payload. */
  async event(): Promise<HotEvent> {
    const line = await this.next(/^EVENT /);
    const [, name, json] = /^EVENT (\S+) (.*)$/.exec(line) ?? [];
    return { name: name ?? '', ...JSON.parse(json ?? '{}') };
  }

  /**
   * Writes `tree` as the archive `archive` and returns the next event, which must be named `expected` (the event
   * is shown when it is not).
   */
  async change(archive: string, tree: Tree, expected = 'update'): Promise<HotEvent> {
    writeZip(archive, tree);
    const event = await this.event();
    assert.equal(event.name, expected, JSON.stringify(event));
    return event;
  }

  /** Writes `tree` as the archive `archive` and waits for the error event that refuses it, with `code` and `message`. */
  async changeFails(archive: string, tree: Tree, code: string, message: RegExp): Promise<HotEvent> {
    const event = await this.change(archive, tree, 'error');
    assert.equal(event.code, code);
    assert.match(event.message ?? '', message);
    return event;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.stdin.write('q\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Shortcut for a tree whose package.json makes `.js` ES modules. */
export function moduleTree(files: Tree): Tree {
  return { 'package.json': '{ "type": "module" }\n', ...files };
}

/** A module tree of one ES module, `name`, written from its source `lines`. */
export function moduleOf(name: string, lines: readonly string[]): Tree {
  return moduleTree({ [name]: lines.join('\n') });
}

/** The hook APIs this Node can run hotzip under: the hooks thread always, same-thread hooks where sound. */
export const hookApis: ReadonlyArray<'registerHooks' | 'register'> =
  chooseHookApi() === 'registerHooks' ? ['registerHooks', 'register'] : ['register'];
