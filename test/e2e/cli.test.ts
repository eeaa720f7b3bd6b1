/**
 * The `hotzip` command end to end: a clean copy of the repository is packed with `npm pack` and installed into a
 * temp app once, and every test runs that installed binary in real processes, as a user would.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { ArchiveLimits } from '../../lib/archive/reader.js';
import { runProcess, type Tree, writeTree } from '../helpers/fixtures.js';
import { installInto, packedTarball, userEnv } from '../helpers/packed.js';
import { corpus } from '../stress/corpus.js';

const execFileAsync = promisify(execFile);

let work: string;
let app: string;
let bin: string;
const running: ChildProcess[] = [];

/** The environment of the installed bin: this test run's node first on PATH, so `#!/usr/bin/env node` runs it. */
const env = userEnv;

before(
  async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-cli-'));
    app = path.join(work, 'app');
    await installInto(app, await packedTarball());
    bin = path.join(app, 'node_modules', '.bin', 'hotzip');
    assert.ok(fs.existsSync(bin), 'npm install created node_modules/.bin/hotzip');
  },
  { timeout: 300_000 },
);

after(() => {
  for (const child of running) killGroup(child);
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

/** Runs the installed `hotzip` with `args` to completion (killed after `timeoutMs`: a hang fails, never stalls). */
function hz(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
  return runProcess(bin, args, {
    cwd: options.cwd ?? work,
    env: env(options.env),
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

/** A long-running `hotzip` whose output can be awaited line by line. */
class Running {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<() => void> = [];

  constructor(args: readonly string[], cwd: string) {
    // A process group of its own, so that cleanup can reach the app `hotzip run` started, whatever happened to it.
    this.child = spawn(bin, args, { cwd, env: env(), stdio: 'pipe', detached: true });
    running.push(this.child);
    const take = (which: 'stdout' | 'stderr') => (chunk: string) => {
      this[which] += chunk;
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.child.stdout?.setEncoding('utf8').on('data', take('stdout'));
    this.child.stderr?.setEncoding('utf8').on('data', take('stderr'));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves when `pattern` has appeared in stdout + stderr; fails after `timeoutMs` showing what was seen. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = (this.stdout + this.stderr).match(pattern);
      if (match !== null) return match;
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(`timed out waiting for ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT') {
    this.child.kill(signal);
    const timer = setTimeout(() => killGroup(this.child), 15_000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** SIGKILLs `child`'s whole process group (it was spawned detached), ignoring a group already gone. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already exited, group and all.
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A fresh directory under the test's temp dir holding `tree`. */
function dirWith(name: string, tree: Tree): string {
  const dir = fs.mkdtempSync(path.join(work, `${name}-`));
  writeTree(dir, tree);
  return dir;
}

/**
 * A fresh directory holding an app whose `entry` (after `imports`, which bring in `msg`) prints `started <started>`
 * once and `msg <msg()>` every 50 ms, with `files` beside it.
 */
function tickingApp(name: string, entry: string, imports: readonly string[], started: string, files: Tree): string {
  const main = [
    ...imports,
    `console.log('started ' + ${started});`,
    "setInterval(() => console.log('msg ' + msg()), 50);",
  ];
  return dirWith(name, { [entry]: [...main, ''].join('\n'), ...files });
}

interface Listing {
  entries: Array<{
    name: string;
    size: number | null;
    crc32: string | null;
    method: string | null;
    unservable: string | null;
  }>;
}

const sourceTree: Tree = {
  'main.js': "import { msg } from './lib/msg.js';\nconsole.log(msg(), process.argv.slice(2).join(','));\n",
  'lib/msg.js': "export function msg() { return 'hello from the archive'; }\n",
  'package.json': '{ "name": "packed", "type": "module" }\n',
  'node_modules/dep/index.js': 'export default 1;\n',
  'node_modules/.cache/junk.bin': 'cache',
  '.git/HEAD': 'ref: refs/heads/main\n',
  'lib/.git/config': 'nested repo\n',
};

describe('hotzip (installed from a packed tarball)', () => {
  test('npm exec runs the installed binary; --help everywhere; bad usage exits 2', async () => {
    const viaNpm = await execFileAsync('npm', ['exec', '--', 'hotzip', '--help'], { cwd: app, env: env() });
    assert.match(viaNpm.stdout, /Usage: hotzip <command>/);
    // The overview lists every command's options, as the README's table does.
    assert.match(viaNpm.stdout, /run \[node flags\] <app\.zip \| dir> \[-m entry\] \[-- args\]/);
    for (const command of ['pack', 'run', 'ls', 'verify']) {
      const help = await hz([command, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: hotzip ${command} `));
    }
    const usage: Array<[string[], RegExp]> = [
      [[], /Usage: hotzip/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['ls'], /hotzip ls: missing <app.zip>/],
      [['ls', 'a.zip', 'b.zip'], /unexpected argument 'b.zip'/],
      [['verify', '--deep', 'a.zip'], /hotzip verify: unknown option '--deep' \(ERR_HOTZIP_USAGE\)\n/],
      [['pack', 'src', '--store', '--level', '3'], /--store and --level cannot be used together/],
      [['pack', 'src', '--level', 'x'], /--level must be an integer from 0 to 9/],
      [['pack', 'src', '-o'], /option '-o' needs a value/],
      [['run'], /missing <app.zip \| dir>/],
    ];
    await Promise.all(
      usage.map(async ([args, message]) => {
        const result = await hz(args);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message);
      }),
    );
  });

  test('pack is reproducible, skips .git and node_modules/.cache, sets main in the archive only', async () => {
    const src = dirWith('src', sourceTree);
    const first = await hz(['pack', src, '-o', 'one.zip', '-m', './main.js']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^wrote one\.zip: 4 entries, \d+ B -> \d+ B \(\d+%\) in \d+ ms\n$/);
    // The same tree with other timestamps and modes still gives the same bytes.
    const later = new Date(Date.now() + 3_600_000);
    fs.utimesSync(path.join(src, 'main.js'), later, later);
    fs.chmodSync(path.join(src, 'lib', 'msg.js'), 0o755);
    const second = await hz(['pack', src, '--output=two.zip', '--main', 'main.js']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(sha256(path.join(work, 'one.zip')), sha256(path.join(work, 'two.zip')));
    // Packing again onto an identical archive leaves the file alone.
    const again = await hz(['pack', src, '-o', 'one.zip', '-m', 'main.js']);
    assert.match(again.stdout, /^unchanged one\.zip/);

    const ls = await hz(['ls', 'one.zip', '--json']);
    assert.equal(ls.code, 0, ls.stderr);
    const listing = JSON.parse(ls.stdout) as Listing;
    assert.deepEqual(
      listing.entries.map((e) => e.name),
      ['lib/msg.js', 'main.js', 'node_modules/dep/index.js', 'package.json'],
    );
    assert.ok(listing.entries.every((e) => e.method === 'deflate' && /^[0-9a-f]{8}$/.test(e.crc32 ?? '')));
    // Read back with fflate's unzip, a reader other than hotzip's.
    const unzipped = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { unzipSync } from ${JSON.stringify(path.join(app, 'node_modules', 'fflate', 'esm', 'index.mjs'))};` +
            `import fs from 'node:fs'; process.stdout.write(new TextDecoder().decode(unzipSync(fs.readFileSync('one.zip'))['package.json']));`,
        ],
        { cwd: work, encoding: 'utf8' },
      ),
    ) as { main?: string; type?: string };
    assert.deepEqual(unzipped, { name: 'packed', type: 'module', main: 'main.js' });
    assert.equal(fs.readFileSync(path.join(src, 'package.json'), 'utf8'), sourceTree['package.json']);

    const stored = await hz(['pack', src, '-o', 'stored.zip', '--store']);
    const storedList = JSON.parse((await hz(['ls', 'stored.zip', '--json'])).stdout) as Listing;
    assert.equal(stored.code, 0, stored.stderr);
    assert.ok(storedList.entries.every((e) => e.method === 'store'));
    const best = await hz(['pack', src, '-o', 'best.zip', '--level', '9']);
    assert.equal(best.code, 0, best.stderr);

    const missingMain = await hz(['pack', src, '-o', 'x.zip', '-m', 'nope.js']);
    assert.equal(missingMain.code, 1);
    assert.match(missingMain.stderr, /there is no file 'nope\.js'/);
    const missingDir = await hz(['pack', path.join(work, 'no-such-dir')]);
    assert.equal(missingDir.code, 1);
    assert.match(missingDir.stderr, /no-such-dir: no such directory/);
    // Without -o the archive is named after the directory, in the current directory.
    const named = await hz(['pack', src]);
    assert.equal(named.code, 0, named.stderr);
    assert.ok(fs.existsSync(path.join(work, `${path.basename(src)}.zip`)));
  });

  test('pack warns about an entry the loader would refuse, and still writes the archive', async () => {
    const src = dirWith('repeated', { 'spaces.js': `export const z = 1;//${' '.repeat(3_000_000)}\n` });
    const packed = await hz(['pack', src, '-o', 'repeated.zip']);
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(packed.stdout, /^wrote repeated\.zip/);
    assert.match(
      packed.stderr,
      /^hotzip pack: warning: the loader will refuse this: ERR_HOTZIP_LIMIT: .*"spaces\.js".*\(HOTZIP_MAX_RATIO\)\n$/,
    );
    // Under the limits the program runs with, or stored, there is nothing to say.
    const allowed = await hz(['pack', src, '-o', 'repeated.zip'], { env: { HOTZIP_MAX_RATIO: '5000' } });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stderr, '');
    const stored = await hz(['pack', src, '-o', 'repeated-stored.zip', '--store']);
    assert.equal(stored.code, 0, stored.stderr);
    assert.equal(stored.stderr, '');
  });

  test('ls prints a table and marks entries that are never served', async () => {
    const src = dirWith('ls', { 'a.js': 'export const a = 1;\n', 'b/c.txt': 'text\n' });
    await hz(['pack', src, '-o', 'ls.zip']);
    const table = await hz(['ls', 'ls.zip']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^Size\s+Packed\s+Method\s+CRC-32\s+Name$/);
    assert.match(lines[1] ?? '', /^\s*20\s+\d+\s+deflate\s+[0-9a-f]{8}\s+a\.js$/);
    assert.match(lines[2] ?? '', /b\/c\.txt$/);
    assert.match(lines[3] ?? '', /^2 entries, 25 bytes/);

    const absolute = corpus.find((c) => c.name === 'absolute name');
    assert.ok(absolute !== undefined);
    fs.writeFileSync(path.join(work, 'unservable.zip'), absolute.bytes());
    const marked = await hz(['ls', 'unservable.zip']);
    assert.equal(marked.code, 0, marked.stderr);
    assert.match(marked.stdout, /\/etc\/x {2}\(never served: the name is absolute\)/);
    const json = JSON.parse((await hz(['ls', 'unservable.zip', '--json'])).stdout) as Listing;
    assert.equal(json.entries.find((e) => e.name === '/etc/x')?.unservable, 'the name is absolute');

    const missing = await hz(['ls', 'missing.zip']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read archive missing\.zip: no such file/);
  });

  test('verify accepts a sound archive and rejects every kind of damaged archive in the corpus', async () => {
    const src = dirWith('verify', sourceTree);
    await hz(['pack', src, '-o', 'good.zip']);
    const good = await hz(['verify', 'good.zip']);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, 'ok: good.zip: 4 entries\n');

    const missing = await hz(['verify', 'nowhere.zip']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nowhere\.zip: no such file/);

    const limitEnv: Record<keyof ArchiveLimits, string> = {
      maxEntryBytes: 'HOTZIP_MAX_ENTRY_BYTES',
      maxRatio: 'HOTZIP_MAX_RATIO',
      ratioFloorBytes: 'HOTZIP_RATIO_FLOOR_BYTES',
      maxArchiveBytes: 'HOTZIP_MAX_ARCHIVE_BYTES',
      maxEntries: 'HOTZIP_MAX_ENTRIES',
    };
    const dir = fs.mkdtempSync(path.join(work, 'corpus-'));
    const failures: string[] = [];
    // A few at a time: enough to keep two cores busy without starving the other test files.
    const queue = corpus.map((c, i) => ({ c, file: path.join(dir, `case-${i}.zip`) }));
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const { c, file } = next;
        fs.writeFileSync(file, c.bytes());
        const extra: Record<string, string> = {};
        for (const [key, value] of Object.entries(c.limits ?? {})) {
          extra[limitEnv[key as keyof ArchiveLimits]] = String(value);
        }
        const result = await hz(['verify', file], { env: extra });
        const problems: string[] = [];
        if (result.code !== 1) problems.push(`exit ${result.code}`);
        if (!result.stderr.includes(`${c.code}: `)) problems.push(`no ${c.code}`);
        if (!result.stderr.includes(file)) problems.push('archive not named');
        // Names with control characters are printed escaped; the others must appear as they are.
        if (c.entry !== undefined && !hasControl(c.entry) && !result.stderr.includes(c.entry)) {
          problems.push(`entry ${c.entry} not named`);
        }
        if (problems.length > 0) failures.push(`${c.name} (${c.at}): ${problems.join(', ')}\n${result.stderr}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    assert.deepEqual(failures, []);
    assert.ok(corpus.some((c) => c.at === 'read') && corpus.some((c) => c.at === 'parse'));
  });

  test('run forwards arguments, output and the exit code', async () => {
    const src = dirWith('run', sourceTree);
    await hz(['pack', src, '-o', 'run.zip', '-m', 'main.js']);
    const ok = await hz(['run', 'run.zip', '--', 'a', '--b']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'hello from the archive a,--b\n');
    assert.match(ok.stderr, /Completed running 'run\.zip'/);

    const missing = await hz(['run', 'absent.zip']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot run absent\.zip: no such file/);
  });

  test('round trip: pack --watch and run; an edit reaches the running app without a restart', async () => {
    const src = tickingApp('live', 'main.js', ["import { msg } from './lib/msg.js';"], 'process.pid', {
      'lib/msg.js': "export function msg() { return 'one'; }\n",
    });
    const out = path.join(work, 'live.zip');
    const packer = new Running(['pack', src, '-o', out, '-m', 'main.js', '--watch'], work);
    await packer.waitFor(/watching/);
    await packer.waitFor(/wrote .*live\.zip: 3 entries/);
    const runner = new Running(['run', out], work);
    const [, pid] = await runner.waitFor(/started (\d+)/);
    await runner.waitFor(/msg one/);

    fs.writeFileSync(path.join(src, 'lib', 'msg.js'), "export function msg() { return 'two'; }\n");
    await packer.waitFor(/wrote[\s\S]*wrote/);
    await runner.waitFor(/msg two/);
    assert.equal(runner.stdout.match(/started/g)?.length, 1, 'the app was not restarted');
    assert.equal(runner.stdout.match(/started (\d+)/)?.[1], pid);
    assert.doesNotMatch(runner.stderr, /Restarting/);

    const ran = await runner.stop('SIGINT');
    assert.ok(ran.signal === 'SIGINT' || ran.code === 130, `run ended with ${JSON.stringify(ran)}`);
    const packed = await packer.stop('SIGINT');
    assert.equal(packed.code, 0);
  });

  test('pack --watch follows a directory deleted and made again, as a bundler cleaning its output does', async () => {
    const out = path.join(work, 'bundle');
    const chunk = path.join(out, 'chunks', 'c.js');
    // Each version has its own size, which the pack's line shows.
    const write = (bytes: number) => fs.writeFileSync(chunk, `export const v = '${'x'.repeat(bytes - 21)}';\n`);
    fs.mkdirSync(path.dirname(chunk), { recursive: true });
    write(30);
    const packer = new Running(['pack', out, '-o', path.join(work, 'bundle.zip'), '--watch'], work);
    await packer.waitFor(/watching/);
    await packer.waitFor(/wrote .*bundle\.zip: 1 entry, 30 B/);
    const packed = (bytes: number) => packer.waitFor(new RegExp(`wrote .*bundle\\.zip: 1 entry, ${bytes} B`), 10_000);
    fs.rmSync(path.dirname(chunk), { recursive: true });
    fs.mkdirSync(path.dirname(chunk));
    write(31);
    await packed(31);
    write(32);
    await packed(32);
    fs.rmSync(out, { recursive: true });
    await packer.waitFor(/bundle is gone: .*bundle\.zip is kept as it is until it is back/);
    fs.mkdirSync(path.dirname(chunk), { recursive: true });
    write(33);
    await packed(33);
    write(34);
    await packed(34);
    // Said once while the folder was gone, however many changes the watcher saw meanwhile.
    assert.equal(packer.stderr.match(/is gone/g)?.length, 1, packer.stderr);
    assert.doesNotMatch(packer.stderr, /ENOENT/);
    assert.equal((await packer.stop('SIGINT')).code, 0);
  });

  test('pack --watch never replaces an archive with an empty one while a build cleans its output', async () => {
    const out = path.join(work, 'cleaned');
    const archive = path.join(work, 'cleaned.zip');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'a.js'), 'export const a = 1;\n');
    const packer = new Running(['pack', out, '-o', archive, '--watch'], work);
    await packer.waitFor(/watching/);
    await packer.waitFor(/wrote .*cleaned\.zip: 1 entry/);
    const before = fs.readFileSync(archive);
    fs.rmSync(path.join(out, 'a.js'));
    await packer.waitFor(/cleaned holds no files: .*cleaned\.zip is kept as it is until some appear/);
    assert.deepEqual(fs.readFileSync(archive), before);
    fs.writeFileSync(path.join(out, 'b.js'), 'export const b = 2;\n');
    await packer.waitFor(/wrote [\s\S]*wrote .*cleaned\.zip: 1 entry/);
    assert.notDeepEqual(fs.readFileSync(archive), before);
    assert.equal((await packer.stop('SIGINT')).code, 0);
  });

  test('run <dir> repacks on change and restarts only on restart-required', async () => {
    const imports = ["import { version } from './conf.js';", "import { msg } from './msg.js';"];
    const src = tickingApp('declines', 'index.js', imports, 'version', {
      'conf.js': "import.meta.hot?.decline();\nexport const version = 'c1';\n",
      'msg.js': "export function msg() { return 'm1'; }\n",
    });
    const runner = new Running(['run', src], work);
    await runner.waitFor(/started c1/);
    // An update applied in place first, then one the module declines.
    fs.writeFileSync(path.join(src, 'msg.js'), "export function msg() { return 'm2'; }\n");
    await runner.waitFor(/msg m2/);
    assert.doesNotMatch(runner.stderr, /Restarting/);
    fs.writeFileSync(path.join(src, 'conf.js'), "import.meta.hot?.decline();\nexport const version = 'c2';\n");
    await runner.waitFor(/started c2/);
    assert.match(runner.stderr, /restart required to apply .*declines-\w+\/conf\.js\nRestarting '.*declines-\w+'\n/);
    const ran = await runner.stop('SIGTERM');
    assert.ok(ran.signal === 'SIGTERM' || ran.code === 143, `run ended with ${JSON.stringify(ran)}`);
  });
});

test('run <dir> restarts when an entry Node loaded as JSON or CommonJS changes (never a silent no-op)', async () => {
  const imports = [
    "import data from './data.json' with { type: 'json' };",
    "import legacy from './legacy.cjs';",
    "import { msg } from './msg.js';",
  ];
  const src = tickingApp('cold', 'index.js', imports, "data.v + ' ' + legacy.v", {
    'data.json': '{ "v": "j1" }\n',
    'legacy.cjs': "module.exports = { v: 'c1' };\n",
    'msg.js': "export function msg() { return 'm1'; }\n",
    'package.json': '{ "type": "module" }\n',
  });
  const runner = new Running(['run', src], work);
  await runner.waitFor(/started j1 c1/);
  fs.writeFileSync(path.join(src, 'msg.js'), "export function msg() { return 'm2'; }\n");
  await runner.waitFor(/msg m2/);
  assert.doesNotMatch(runner.stderr, /Restarting/);
  fs.writeFileSync(path.join(src, 'data.json'), '{ "v": "j2" }\n');
  await runner.waitFor(/started j2 c1/);
  assert.match(runner.stderr, /restart required to apply \S*cold-\w+\/data\.json\nRestarting/);
  fs.writeFileSync(path.join(src, 'legacy.cjs'), "module.exports = { v: 'c2' };\n");
  await runner.waitFor(/started j2 c2/);
  assert.match(runner.stderr, /restart required to apply \S*cold-\w+\/legacy\.cjs\nRestarting/);
  const ran = await runner.stop('SIGTERM');
  assert.ok(ran.signal === 'SIGTERM' || ran.code === 143, `run ended with ${JSON.stringify(ran)}`);
});

describe('hotzip run on a project directory', () => {
  test('a failed start waits for the next change, says so, and starts again; node flags pass through', async () => {
    const failing = dirWith('fail', { 'index.js': "console.log('failing');\nprocess.exitCode = 3;\n" });
    const runner = new Running(['run', '--enable-source-maps', '--conditions', 'custom', failing], work);
    await runner.waitFor(/Failed running '.*fail-\w+'\. Waiting for file changes before restarting\.\.\./);
    assert.equal(runner.stdout, 'failing\n');
    fs.writeFileSync(
      path.join(failing, 'index.js'),
      "console.log('fixed', process.execArgv.filter((a) => !a.startsWith('file:')).join(' '));\n",
    );
    await runner.waitFor(/fixed/);
    assert.match(runner.stderr, /Restarting '.*fail-\w+'/);
    assert.match(runner.stdout, /fixed --enable-source-maps --conditions custom --import --import/);
    const ran = await runner.exited;
    assert.equal(ran.code, 0);
    assert.match(runner.stderr, /Completed running/);
  });

  test('bare imports resolve from the project; errors and stack traces name the source files', async () => {
    const project = dirWith('project', {
      'node_modules/greeter/package.json': '{ "name": "greeter", "type": "module", "exports": "./index.js" }\n',
      'node_modules/greeter/index.js': "export const greet = (who) => 'hi ' + who;\n",
      'src/package.json': '{ "type": "module" }\n',
      'src/main.js':
        "import { greet } from 'greeter';\nimport { later } from './lib/later.js';\nconsole.log(greet('src'));\nlater();\n",
      'src/lib/later.js': "export function later() {\n  const x = 1\n  throw new Error('boom ' + x)\n}\n",
    });
    const src = path.join(project, 'src');
    const runner = new Running(['run', src, '-m', 'main.js'], work);
    await runner.waitFor(/Waiting for file changes/);
    assert.equal(runner.stdout, 'hi src\n');
    assert.match(runner.stderr, /Error: boom 1\n\s+at later \(.*project-\w+\/src\/lib\/later\.js:3:9\)/);
    assert.doesNotMatch(runner.stderr, /hotzip-run-/);
    fs.writeFileSync(path.join(src, 'lib', 'later.js'), 'export function later() {}\n');
    await runner.waitFor(/Completed running/);
    assert.equal(runner.stdout, 'hi src\nhi src\n');
    await runner.exited;
  });

  test('a directory without a main module: the error says how to name one with run -m', async () => {
    const src = dirWith('mainless', { 'package.json': '{ "type": "module" }\n', 'main.js': "console.log('hi');\n" });
    const runner = new Running(['run', src], work);
    await runner.waitFor(/Waiting for file changes/);
    assert.match(
      runner.stderr,
      /Cannot find the main module of .*mainless-\w+: .*; name it: hotzip run .*mainless-\w+ -m main\.js/,
    );
    assert.doesNotMatch(runner.stderr, /hotzip pack -m|hotzip-run-/);
    await runner.stop('SIGINT');
  });

  test('stack traces from a module updated in place name its source file too, without the version query', async () => {
    const src = dirWith('traced', {
      'package.json': '{ "type": "module" }\n',
      'main.js': [
        "import { boom } from './lib/boom.js';",
        "process.stdin.on('data', () => { try { boom(); } catch (e) { console.error('TRACE ' + e.stack.split('\\n')[1].trim()); } });",
        "console.log('READY');",
      ].join('\n'),
      'lib/boom.js': "export function boom() {\n  throw new Error('v1');\n}\n",
    });
    const runner = new Running(['run', src, '-m', 'main.js'], work);
    await runner.waitFor(/READY/);
    runner.child.stdin?.write('\n');
    await runner.waitFor(/TRACE at boom \(.*traced-\w+\/lib\/boom\.js:2:9\)/);
    fs.writeFileSync(
      path.join(src, 'lib', 'boom.js'),
      "export function boom() {\n  const v = 2;\n  throw new Error('v' + v);\n}\n",
    );
    await runner.waitFor(/updated 1 module/);
    runner.child.stdin?.write('\n');
    await runner.waitFor(/TRACE at boom \(.*traced-\w+\/lib\/boom\.js:3:9\)/, 10_000);
    assert.doesNotMatch(runner.stderr, /hz=/);
    await runner.stop('SIGINT');
  });
});

/** Whether a name holds control characters (the CLI prints those escaped). */
function hasControl(name: string): boolean {
  return [...name].some((ch) => ch.charCodeAt(0) < 0x20);
}
