/**
 * Installing hotzip as users do: from a tarball packed in a clean copy of the repository, and from a git URL (npm
 * clones it, installs its devDependencies and runs `prepare`). Each install must give a working
 * `node --import hotzip/register` and a `hotzip` bin.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProcess, writeTree, writeZip } from '../helpers/fixtures.js';
import { copyCleanTree, installInto, packedTarball, userEnv } from '../helpers/packed.js';

let work: string;

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-install-'));
});

after(() => {
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

/** Checks an installed app: an import from an archive under the registered hooks, and the bin. */
async function checkInstalled(app: string): Promise<void> {
  for (const file of ['dist/loader/register.js', 'dist/lib/index.js', 'dist/lib/cli/main.js', 'client.d.ts']) {
    assert.ok(fs.existsSync(path.join(app, 'node_modules', 'hotzip', file)), `the installed package has ${file}`);
  }
  // Every source map shipped names sources the package holds (stack traces through hotzip point at them).
  const installed = path.join(app, 'node_modules', 'hotzip');
  const maps = fs
    .readdirSync(path.join(installed, 'dist'), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.js.map'));
  assert.ok(maps.length > 0);
  for (const map of maps) {
    const { sources } = JSON.parse(fs.readFileSync(path.join(installed, 'dist', map), 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const file = path.resolve(path.dirname(path.join(installed, 'dist', map)), source);
      assert.ok(fs.existsSync(file), `${map} names ${source}, which the package holds`);
    }
  }
  writeZip(path.join(app, 'plugins', 'hello.zip'), {
    'package.json': '{ "type": "module" }\n',
    'lib/x.js': 'export const x = "hello from " + import.meta.url.split("!")[1]\n',
  });
  writeTree(app, {
    'main.mjs': "import { x } from 'zip:./plugins/hello.zip!/lib/x.js'\nconsole.log(x)\n",
  });
  const run = await runProcess(process.execPath, ['--import', 'hotzip/register', 'main.mjs'], {
    cwd: app,
    env: userEnv(),
    timeoutMs: 30_000,
  });
  assert.equal(run.stderr, '');
  assert.equal(run.stdout, 'hello from /lib/x.js\n');
  assert.equal(run.code, 0);
  const help = await runProcess(path.join(app, 'node_modules', '.bin', 'hotzip'), ['--help'], {
    cwd: app,
    env: userEnv(),
  });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: hotzip <command>/);
}

describe('installing hotzip', () => {
  test('from a tarball packed in a clean copy of the repository (no dist/ there before packing)', {
    timeout: 300_000,
  }, async () => {
    const tarball = await packedTarball();
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    assert.ok(listing.includes('package/dist/loader/register.js'), 'the tarball carries the built loader');
    assert.ok(!listing.some((name) => name.startsWith('package/test/') || name.startsWith('package/dist/test/')));
    const app = path.join(work, 'from-tarball');
    await installInto(app, tarball);
    await checkInstalled(app);
  });

  test('from a git URL (npm runs prepare in its clone)', { timeout: 300_000 }, async () => {
    const repo = path.join(work, 'repo');
    copyCleanTree(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'snapshot');
    const app = path.join(work, 'from-git');
    await installInto(app, `git+file://${repo}`);
    await checkInstalled(app);
  });
});
