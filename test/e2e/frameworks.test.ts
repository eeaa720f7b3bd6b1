/**
 * End to end: express, fastify, koa and hono servers whose routes live in an app archive and whose dependencies (each
 * framework with its whole installed tree, pinned in test/frameworks) are vendored into one HOTZIP_PATH archive. Each
 * server starts under `node --import hotzip/register`, answers requests; then its routes change in the archive, and
 * the next requests get the new bodies from the same process, its server module never evaluated again.
 *
 * Two ways an app reaches a route, tested apart: a handler looked up by name on every request (`app.get('/x', (req,
 * res) => routes.x(req, res))`, which follows the import binding), and a handler passed to the framework once, at
 * start-up (`app.get('/x', handler)`, which the framework keeps), once as a function declaration and once as an
 * arrow function (`export const handler = async (req, res) => …`, `export default (c) => …`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { packDirectory } from '../../lib/archive/pack.js';
import { makeApp, writeZip } from '../helpers/fixtures.js';
import { type FrameworkApp, frameworkApps, frameworksDir, installFrameworks } from '../helpers/framework-apps.js';
import { HotApp, hostMain } from '../helpers/hot-app.js';

let root = '';
/** Every server process started, by framework: stopped after its tests, and at the end whatever happened. */
const processes = new Map<string, HotApp>();
before(() => {
  root = makeApp('hotzip-frameworks-');
});
after(async () => {
  await Promise.all([...processes.values()].map((hot) => hot.stop()));
  fs.rmSync(root, { recursive: true, force: true });
});

let vendored: Promise<string> | undefined;

/** deps.zip: the installed test/frameworks/node_modules packed as `hotzip pack node_modules -o deps.zip` packs it. */
function depsArchive(): Promise<string> {
  vendored ??= installFrameworks().then(() => {
    const file = path.join(root, 'deps.zip');
    packDirectory(path.join(frameworksDir, 'node_modules'), file, { level: 6 });
    return file;
  });
  return vendored;
}

/** A running framework server. */
interface Server {
  hot: HotApp;
  dir: string;
  base: string;
}

/**
 * Starts `app` at route version 1: its archive in a directory of its own, whose host module imports the server
 * module from the archive. The directory and its parents hold no framework: every one comes from HOTZIP_PATH.
 */
async function startServer(app: FrameworkApp): Promise<Server> {
  const deps = await depsArchive();
  const dir = path.join(root, app.name);
  writeZip(path.join(dir, 'app.zip'), app.tree(1));
  const main = hostMain(
    `import 'zip:./app.zip!/${app.main}';`,
    '({ pid: process.pid, boots: globalThis.__hzFrameworkBoots })',
  );
  const hot = new HotApp(dir, main, { HOTZIP_PATH: deps });
  processes.set(app.name, hot);
  const line = await hot.next(/^LISTENING \d+$/, 30_000);
  return { hot, dir, base: `http://127.0.0.1:${line.slice('LISTENING '.length)}` };
}

/** Status and body (parsed when JSON) of one request; a request that hangs fails after 5 s. */
async function request(base: string, route: string, json?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(base + route, {
    method: json === undefined ? 'GET' : 'POST',
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? null : JSON.stringify(json),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

const ok = (body: unknown) => ({ status: 200, body });

/** Requests `route` until it answers 200 with `expected`, for at most `timeoutMs`; then compares the last answer. */
async function poll(server: Server, route: string, expected: unknown, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await request(server.base, route);
  while (!isDeepStrictEqual(last, ok(expected)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await request(server.base, route);
  }
  assert.deepEqual(
    last,
    ok(expected),
    `GET ${route} after ${timeoutMs} ms of polling\nhotzip said:\n${server.hot.stderr || '(nothing)'}`,
  );
}

/** The entries whose bytes differ between two versions of a tree. */
function changedEntries(app: FrameworkApp, from: number, to: number): string[] {
  const before = app.tree(from);
  const after = app.tree(to);
  return Object.keys(after)
    .filter((name) => before[name] !== after[name])
    .sort();
}

/** The archive entry of a module URL (`zip:///…/app.zip!/routes/a.js?hz=2` → `routes/a.js`). */
const entryOf = (url: string) => url.replace(/^.*?!\//, '').replace(/[?#].*$/, '');

for (const app of frameworkApps) {
  describe(`${app.name} (${app.style})`, () => {
    let server: Promise<Server> | undefined;
    const started = () => {
      server ??= startServer(app);
      return server;
    };
    let updated: Promise<void> | undefined;
    /** Rewrites the archive with version 2 of every route, once, and waits for the update it causes. */
    const update = (running: Server) => {
      updated ??= (async () => {
        writeZip(path.join(running.dir, 'app.zip'), app.tree(2));
        const event = await running.hot.event();
        assert.equal(event.name, 'update', `${JSON.stringify(event)}\n${running.hot.stderr}`);
        assert.deepEqual(event.updated.map(entryOf).sort(), changedEntries(app, 1, 2));
      })();
      return updated;
    };
    // One server at a time on this machine: the next framework starts after this one is gone.
    after(() => processes.get(app.name)?.stop());

    test('answers requests: routes from the app archive, the framework from HOTZIP_PATH', async () => {
      const running = await started();
      const { base, hot } = running;
      assert.deepEqual(await request(base, '/live'), ok({ route: 'live', version: 1 }));
      assert.deepEqual(await request(base, '/users/42'), ok({ user: '42', version: 1 }));
      assert.deepEqual(await request(base, '/captured'), ok({ route: 'captured', version: 1 }));
      assert.deepEqual(await request(base, '/declared'), ok({ route: 'declared', version: 1 }));
      assert.deepEqual(await request(base, '/echo', { a: [1, 'two'] }), {
        status: 201,
        body: { echo: { a: [1, 'two'] } },
      });
      assert.equal((await request(base, '/no-such-route')).status, 404);
      assert.deepEqual(await request(base, '/meta'), ok({ pid: hot.child.pid, boots: 1 }));
    });

    test('reloads a route looked up by name per request (live binding), in the same process', async () => {
      const running = await started();
      const { base, hot } = running;
      await update(running);
      await poll(running, '/live', { route: 'live', version: 2 }, 10_000);
      await poll(running, '/users/42', { user: '42', version: 2 }, 2_000);
      // The same server answers: same pid, its module evaluated once, one listen, the process still running.
      assert.deepEqual(await request(base, '/meta'), ok({ pid: hot.child.pid, boots: 1 }));
      assert.deepEqual(await hot.state(), { pid: hot.child.pid, boots: 1 });
      assert.equal(hot.stdout.match(/^LISTENING /gm)?.length, 1);
      assert.equal(hot.child.exitCode, null);
    });

    test('reloads a function declaration passed directly at start-up (captured by the framework)', async () => {
      const running = await started();
      await update(running);
      await poll(running, '/declared', { route: 'declared', version: 2 }, 3_000);
      assert.deepEqual(await request(running.base, '/meta'), ok({ pid: running.hot.child.pid, boots: 1 }));
    });

    test('reloads an arrow function (export const / export default) passed directly at start-up', async () => {
      const running = await started();
      await update(running);
      await poll(running, '/captured', { route: 'captured', version: 2 }, 3_000);
      assert.deepEqual(await request(running.base, '/meta'), ok({ pid: running.hot.child.pid, boots: 1 }));
    });
  });
}
