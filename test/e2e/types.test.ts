/**
 * A consumer project type-checks against hotzip's published types with TypeScript 5.x and 7.x, strict and without
 * `skipLibCheck`: `zip:` imports of every form, `import.meta.hot` as Vite types it, and the runtime API.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeApp, repoRoot, runProcess, writeTree } from '../helpers/fixtures.js';

let app: string;

const consumer = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      types: ['node', 'hotzip/client'],
    },
    include: ['src'],
  }),
  'package.json': '{ "name": "consumer", "type": "module", "private": true }\n',
  'src/main.ts': `import { greet } from 'zip:./plugins/hello.zip!/lib/index.js';
import hello from 'zip:./plugins/hello.zip!/lib/index.js';
import * as plugin from 'zip:./plugins/hello.zip!/lib/index.js';
import { off, on, readFileSync, reload, type UpdateError, type UpdateReport } from 'hotzip';

const greeting: string = greet('world');
console.log(greeting, hello, plugin.banner);

if (import.meta.hot) {
  import.meta.hot.data.count = (import.meta.hot.data.count ?? 0) + 1;
  import.meta.hot.accept();
  import.meta.hot.accept((module) => console.log(module?.greet));
  import.meta.hot.accept('./dep.js', (module) => console.log(module?.value));
  import.meta.hot.accept(['./a.js', './b.js'], ([a, b]) => console.log(a, b));
  import.meta.hot.dispose((data) => {
    data.closedAt = Date.now();
  });
  import.meta.hot.prune(() => {});
  import.meta.hot.on('hotzip:afterUpdate', (payload) => console.log(payload.updates.length));
  // @ts-expect-error: the payload of hotzip's own events is typed
  import.meta.hot.on('hotzip:beforeUpdate', (payload) => payload.notThere);
  import.meta.hot.on('my:event', (payload) => console.log(payload.anything));
  import.meta.hot.off('hotzip:afterUpdate', () => {});
  import.meta.hot.invalidate('because');
  // @ts-expect-error: import.meta.hot is typed, not any
  import.meta.hot.notAMethod();
}
const next: number = import.meta.hot?.data.count + 1;
console.log(next);

on('update', (report: UpdateReport) => console.log(report.updated.length));
on('error', (report) => console.log(report.error?.message, report.failed.length));
// The report's error is an UpdateError: the module's URL, archive and entry, and a syntax error's position.
on('error', (report) => {
  const error: UpdateError | undefined = report.error;
  const where: Array<string | number | undefined> = [error?.code, error?.archive, error?.entry, error?.url, error?.line];
  console.log(where);
});
off('restart-required', (report) => console.log(report.restartRequired));
// @ts-expect-error: not an event hotzip emits
on('updated', () => {});
const report: UpdateReport = await reload();
console.log(report.error?.message, readFileSync(new URL('./data.txt', import.meta.url), 'utf8'));
`,
};

before(() => {
  app = makeApp('hotzip-types-');
  fs.symlinkSync(path.join(repoRoot, 'node_modules', '@types'), path.join(app, 'node_modules', '@types'), 'dir');
  writeTree(app, consumer);
});

after(() => {
  if (app !== undefined) fs.rmSync(app, { recursive: true, force: true });
});

describe('types for consumers (no skipLibCheck)', () => {
  for (const [label, compiler] of [
    ['TypeScript 5.x', 'node_modules/typescript5/bin/tsc'],
    ['TypeScript 7.x', 'node_modules/typescript/bin/tsc'],
  ] as const) {
    test(label, { timeout: 120_000 }, async () => {
      const tsc = path.join(repoRoot, compiler);
      const version = await runProcess(process.execPath, [tsc, '--version'], { cwd: app, env: process.env });
      assert.match(version.stdout, label.includes('5') ? /Version 5\./ : /Version 7\./);
      const run = await runProcess(process.execPath, [tsc, '-p', 'tsconfig.json'], {
        cwd: app,
        env: process.env,
        timeoutMs: 120_000,
      });
      assert.equal(`${run.stdout}${run.stderr}`, '');
      assert.equal(run.code, 0);
    });
  }
});
