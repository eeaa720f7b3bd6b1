/**
 * Web-framework apps for the end-to-end tests: express, fastify, koa and hono servers whose routes are written the
 * way people write them (standard style without semicolons, Prettier style with them; `export const handler = async
 * (req, res) => …`, routers, default exports, plugins), each given as the app archive's tree at a version, plus the
 * installed copy of the frameworks (test/frameworks, pinned by its own package-lock.json) that the tests vendor.
 *
 * Every app serves the same routes, so one test drives them all:
 * - `GET /live` and `GET /users/:id`: handlers looked up by name on every request (through an import binding);
 * - `GET /captured` and `GET /declared`: handlers passed to the framework once, at start-up (an arrow function and a
 *   function declaration);
 * - `POST /echo` (201 with the parsed JSON body), `GET /meta` (pid and how many times the server module ran).
 * The routes answer `version: N`; the server module itself never changes between versions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, runProcess, type Tree } from './fixtures.js';

/** The folder with the frameworks' package.json, package-lock.json and (gitignored) node_modules. */
export const frameworksDir = path.join(repoRoot, 'test', 'frameworks');

/** The global the server modules count their evaluations in: it must stay 1 through every update. */
const BOOTS = 'globalThis.__hzFrameworkBoots';

/** One framework app: its name and the app archive's tree at a route version. */
export interface FrameworkApp {
  name: 'express' | 'fastify' | 'koa' | 'hono';
  /** The module a host imports to start the server (it prints `LISTENING <port>`). */
  main: string;
  /** How its sources are written, for test names. */
  style: string;
  tree(version: number): Tree;
}

const boot = `${BOOTS} = (${BOOTS} ?? 0) + 1`;

/** express 5, standard style (no semicolons), `"type": "module"`, an express.Router default export. */
const express: FrameworkApp = {
  name: 'express',
  main: 'server.js',
  style: 'no semicolons, named const handler, Router default export',
  tree: (v) => ({
    'package.json': '{\n  "name": "express-app",\n  "private": true,\n  "type": "module"\n}\n',
    'server.js': [
      "import express from 'express'",
      "import * as api from './routes/api.js'",
      "import users from './routes/users.js'",
      "import { handler, declared } from './routes/hello.js'",
      '',
      boot,
      '',
      'const app = express()',
      'app.use(express.json())',
      '',
      "app.get('/live', (req, res) => api.live(req, res))",
      "app.use('/users', (req, res, next) => users(req, res, next))",
      "app.get('/captured', handler)",
      "app.get('/declared', declared)",
      "app.post('/echo', (req, res) => res.status(201).json({ echo: req.body }))",
      `app.get('/meta', (req, res) => res.json({ pid: process.pid, boots: ${BOOTS} }))`,
      '',
      "const server = app.listen(0, '127.0.0.1', () => {",
      "  console.log('LISTENING ' + server.address().port)",
      '})',
      '',
    ].join('\n'),
    'routes/api.js': `export const live = (req, res) => res.json({ route: 'live', version: ${v} })\n`,
    'routes/users.js': [
      "import express from 'express'",
      '',
      'const router = express.Router()',
      '',
      "router.get('/:id', (req, res) => {",
      `  res.json({ user: req.params.id, version: ${v} })`,
      '})',
      '',
      'export default router',
      '',
    ].join('\n'),
    'routes/hello.js': [
      'export const handler = async (req, res) => {',
      `  res.status(200).json({ route: 'captured', version: ${v} })`,
      '}',
      '',
      'export function declared(req, res) {',
      `  res.json({ route: 'declared', version: ${v} })`,
      '}',
      '',
    ].join('\n'),
  }),
};

/** fastify 5, Prettier style, `.mjs` with no package.json, a plugin and a default-exported arrow. */
const fastify: FrameworkApp = {
  name: 'fastify',
  main: 'server.mjs',
  style: '.mjs with semicolons, plugin, default-exported arrow',
  tree: (v) => ({
    'server.mjs': [
      "import Fastify from 'fastify';",
      "import * as items from './routes/items.mjs';",
      "import users from './routes/users.mjs';",
      "import greet, { declared } from './routes/greet.mjs';",
      '',
      `${boot};`,
      '',
      'const app = Fastify();',
      "app.get('/live', (request, reply) => items.live(request, reply));",
      "app.register(users, { prefix: '/users' });",
      "app.get('/captured', greet);",
      "app.get('/declared', declared);",
      "app.post('/echo', async (request, reply) => reply.code(201).send({ echo: request.body }));",
      `app.get('/meta', async () => ({ pid: process.pid, boots: ${BOOTS} }));`,
      '',
      "await app.listen({ port: 0, host: '127.0.0.1' });",
      "console.log('LISTENING ' + app.server.address().port);",
      '',
    ].join('\n'),
    'routes/items.mjs': [
      `export const live = async (request, reply) => ({ route: 'live', version: ${v} });`,
      '',
      'export async function user(request) {',
      `  return { user: request.params.id, version: ${v} };`,
      '}',
      '',
    ].join('\n'),
    'routes/users.mjs': [
      "import { user } from './items.mjs';",
      '',
      'export default async function users(app) {',
      "  app.get('/:id', (request, reply) => user(request, reply));",
      '}',
      '',
    ].join('\n'),
    'routes/greet.mjs': [
      'export default async (request, reply) => {',
      '  reply.code(200);',
      `  return { route: 'captured', version: ${v} };`,
      '};',
      '',
      'export async function declared(request, reply) {',
      `  return { route: 'declared', version: ${v} };`,
      '}',
      '',
    ].join('\n'),
  }),
};

/** koa 3 with @koa/router, standard style (no semicolons), `"type": "module"`. */
const koa: FrameworkApp = {
  name: 'koa',
  main: 'server.js',
  style: 'no semicolons, @koa/router, const arrow handler',
  tree: (v) => ({
    'package.json': '{ "name": "koa-app", "type": "module" }\n',
    'server.js': [
      "import Koa from 'koa'",
      "import Router from '@koa/router'",
      "import * as pages from './routes/pages.js'",
      "import { show } from './routes/users.js'",
      "import { captured, declared } from './routes/captured.js'",
      '',
      boot,
      '',
      'const app = new Koa()',
      'const router = new Router()',
      '',
      "router.get('/live', (ctx) => pages.live(ctx))",
      "router.get('/users/:id', (ctx) => show(ctx))",
      "router.get('/captured', captured)",
      "router.get('/declared', declared)",
      "router.post('/echo', async (ctx) => {",
      "  let raw = ''",
      '  for await (const chunk of ctx.req) raw += chunk',
      '  ctx.status = 201',
      '  ctx.body = { echo: JSON.parse(raw) }',
      '})',
      "router.get('/meta', (ctx) => {",
      `  ctx.body = { pid: process.pid, boots: ${BOOTS} }`,
      '})',
      '',
      'app.use(router.routes())',
      'app.use(router.allowedMethods())',
      '',
      "const server = app.listen(0, '127.0.0.1', () => {",
      "  console.log('LISTENING ' + server.address().port)",
      '})',
      '',
    ].join('\n'),
    'routes/pages.js': [
      'export const live = (ctx) => {',
      `  ctx.body = { route: 'live', version: ${v} }`,
      '}',
      '',
    ].join('\n'),
    'routes/users.js': [
      'export function show(ctx) {',
      `  ctx.body = { user: ctx.params.id, version: ${v} }`,
      '}',
      '',
    ].join('\n'),
    'routes/captured.js': [
      'export const captured = async (ctx) => {',
      '  ctx.status = 200',
      `  ctx.body = { route: 'captured', version: ${v} }`,
      '}',
      '',
      'export function declared(ctx) {',
      `  ctx.body = { route: 'declared', version: ${v} }`,
      '}',
      '',
    ].join('\n'),
  }),
};

/** hono 4 on @hono/node-server, Prettier style, no package.json (`.js` is a module by its syntax). */
const hono: FrameworkApp = {
  name: 'hono',
  main: 'server.js',
  style: 'semicolons, no package.json, sub-app and default-exported arrow',
  tree: (v) => ({
    'server.js': [
      "import { Hono } from 'hono';",
      "import { serve } from '@hono/node-server';",
      "import * as api from './routes/api.js';",
      "import users from './routes/users.js';",
      "import captured, { declared } from './routes/captured.js';",
      '',
      `${boot};`,
      '',
      'const app = new Hono();',
      "app.get('/live', (c) => api.live(c));",
      "app.all('/users/*', (c) => users.fetch(c.req.raw));",
      "app.get('/captured', captured);",
      "app.get('/declared', declared);",
      "app.post('/echo', async (c) => c.json({ echo: await c.req.json() }, 201));",
      `app.get('/meta', (c) => c.json({ pid: process.pid, boots: ${BOOTS} }));`,
      '',
      "serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {",
      "  console.log('LISTENING ' + info.port);",
      '});',
      '',
    ].join('\n'),
    'routes/api.js': `export const live = (c) => c.json({ route: 'live', version: ${v} });\n`,
    'routes/users.js': [
      "import { Hono } from 'hono';",
      '',
      "const users = new Hono().basePath('/users');",
      '',
      `users.get('/:id', (c) => c.json({ user: c.req.param('id'), version: ${v} }));`,
      '',
      'export default users;',
      '',
    ].join('\n'),
    'routes/captured.js': [
      `export default (c) => c.json({ route: 'captured', version: ${v} });`,
      '',
      'export function declared(c) {',
      `  return c.json({ route: 'declared', version: ${v} });`,
      '}',
      '',
    ].join('\n'),
  }),
};

/** The four apps, in the order the tests run them. */
export const frameworkApps: readonly FrameworkApp[] = [express, fastify, koa, hono];

interface Lockfile {
  packages: Record<string, { version?: string; link?: boolean }>;
}

/** The installed packages that differ from the lockfile (missing or another version); empty when all match. */
function staleInstall(): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(frameworksDir, 'package-lock.json'), 'utf8')) as Lockfile;
  const stale: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (where === '' || entry.link === true || entry.version === undefined) continue;
    const manifest = path.join(frameworksDir, where, 'package.json');
    let version: unknown;
    try {
      version = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
    } catch {
      version = undefined;
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

let installing: Promise<void> | undefined;

/**
 * Makes test/frameworks/node_modules match its lockfile, running `npm ci --ignore-scripts` only when it does not
 * (the installed tree is the cache: later runs need no registry). Rejects with a message that says the registry
 * was needed and what npm said, so a failure offline is never mistaken for a hotzip bug.
 */
export function installFrameworks(): Promise<void> {
  installing ??= (async () => {
    const missing = staleInstall();
    if (missing.length === 0) return;
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const args = ['ci', '--ignore-scripts', '--no-audit', '--no-fund'];
    const result = await runProcess(npm, args, {
      cwd: frameworksDir,
      env: { ...process.env, NODE_OPTIONS: undefined },
      timeoutMs: 300_000,
    }).catch((error: unknown) => ({ code: null, signal: null, stdout: '', stderr: String(error) }));
    const left = result.code === 0 ? staleInstall() : missing;
    if (left.length > 0) {
      throw new Error(
        `the framework fixtures are not installed and \`npm ${args.join(' ')}\` in ${frameworksDir} failed ` +
          `(exit ${result.code ?? result.signal}): the npm registry is probably unavailable. These tests need it ` +
          `once, to install ${left.length} pinned packages (${left.slice(0, 3).join(', ')}, …); later runs use the ` +
          `installed tree.\nnpm said:\n${npmSaid(result.stderr)}`,
      );
    }
  })();
  return installing;
}
