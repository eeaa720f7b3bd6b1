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
 * The routes answer `version: N`; the server module itself never changes between versions. The server modules count
 * their evaluations in `globalThis.__hzFrameworkBoots`, which must stay 1 through every update.
 *
 * The sources are test data, kept literal in test/helpers/framework-apps/<name>/ so that they read as people write
 * them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, type Tree } from './fixtures.js';
import { installPinned } from './pinned-install.js';

/** The folder with the frameworks' package.json, package-lock.json and (gitignored) node_modules. */
export const frameworksDir = path.join(repoRoot, 'test', 'frameworks');

/** Where the apps' sources live, one folder an app, each file named as in the archive plus `.txt`. */
const sourcesDir = path.join(repoRoot, 'test', 'helpers', 'framework-apps');

/** One framework app: its name and the app archive's tree at a route version. */
export interface FrameworkApp {
  name: 'express' | 'fastify' | 'koa' | 'hono';
  /** The module a host imports to start the server (it prints `LISTENING <port>`). */
  main: string;
  /** How its sources are written, for test names. */
  style: string;
  tree(version: number): Tree;
}

/** The files below `dir`, by their path relative to it (with `/`). */
function filesBelow(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const name = prefix + entry.name;
    return entry.isDirectory() ? filesBelow(path.join(dir, entry.name), `${name}/`) : [name];
  });
}

/**
 * The app `name`: its sources are kept as literal files (`.txt`, so that no linter or formatter rewrites their
 * style) in which `{{version}}` stands for the route version.
 */
function app(name: FrameworkApp['name'], main: string, style: string): FrameworkApp {
  const dir = path.join(sourcesDir, name);
  const sources = filesBelow(dir).map((file) => ({
    entry: file.replace(/\.txt$/, ''),
    text: fs.readFileSync(path.join(dir, file), 'utf8'),
  }));
  return {
    name,
    main,
    style,
    tree: (v) =>
      Object.fromEntries(sources.map(({ entry, text }) => [entry, text.replaceAll('{{version}}', String(v))])),
  };
}

/** express 5, standard style (no semicolons), `"type": "module"`, an express.Router default export. */
const express = app('express', 'server.js', 'no semicolons, named const handler, Router default export');

/** fastify 5, Prettier style, `.mjs` with no package.json, a plugin and a default-exported arrow. */
const fastify = app('fastify', 'server.mjs', '.mjs with semicolons, plugin, default-exported arrow');

/** koa 3 with @koa/router, standard style (no semicolons), `"type": "module"`. */
const koa = app('koa', 'server.js', 'no semicolons, @koa/router, const arrow handler');

/** hono 4 on @hono/node-server, Prettier style, no package.json (`.js` is a module by its syntax). */
const hono = app('hono', 'server.js', 'semicolons, no package.json, sub-app and default-exported arrow');

/** The four apps, in the order the tests run them. */
export const frameworkApps: readonly FrameworkApp[] = [express, fastify, koa, hono];

/** Installs the frameworks the tests vendor, from their lockfile, once (see installPinned). */
export function installFrameworks(): Promise<void> {
  return installPinned(frameworksDir, 'framework fixtures');
}
