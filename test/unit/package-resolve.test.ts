/**
 * Unit tests of Node's package resolution over an in-memory tree, and a parity table that resolves the same tree
 * extracted on disk with the running Node's own `import.meta.resolve` / `require.resolve` and compares.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeVersion } from '../../lib/node-support.js';
import {
  findPackageScope,
  type JsonValue,
  type Resolution,
  readPackageJson,
  resolveCommonJSPath,
  resolvePackageSpecifier,
  resolvePackageTarget,
  type TreeHost,
} from '../../lib/resolve/package.js';

const [major, minor] = nodeVersion;
/** Node 22+ reads package.json in C++ (see lib/node-support.ts). */
const modern = major >= 22;
const hashSlash = major > 25 || (major === 25 && minor >= 4) || (major === 24 && minor >= 14);

const ESM = ['node', 'import'] as const;
const REQUIRE = ['node', 'require', 'module-sync'] as const;

type Files = Record<string, string>;

/** A TreeHost over a map of entry name → text; names ending in '/' are (possibly empty) directories. */
function memoryTree(files: Files, urlOf = (p: string) => `zip:///srv/app.zip!/${p}`): TreeHost & { reads: string[] } {
  const entries = new Map<string, string>();
  const dirs = new Set<string>(['']);
  const addParents = (name: string) => {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  };
  for (const [name, text] of Object.entries(files)) {
    if (name.endsWith('/')) {
      addParents(name);
    } else {
      entries.set(name, text);
      addParents(name);
    }
  }
  const reads: string[] = [];
  return {
    reads,
    isFile: (p) => entries.has(p),
    isDirectory: (p) => dirs.has(p),
    readText: (p) => {
      reads.push(p);
      return entries.get(p);
    },
    urlOf,
  };
}

const json = (value: unknown) => JSON.stringify(value);

function resolveIn(
  tree: TreeHost | Files,
  specifier: string,
  parent = 'src/main.js',
  conditions: readonly string[] = ESM,
): Resolution {
  const host = 'isFile' in tree && typeof tree.isFile === 'function' ? (tree as TreeHost) : memoryTree(tree as Files);
  return resolvePackageSpecifier(host, specifier, parent, conditions);
}

function pathOf(tree: TreeHost | Files, specifier: string, parent?: string, conditions?: readonly string[]): string {
  const result = resolveIn(tree, specifier, parent, conditions);
  assert.equal(result.kind, 'path', `${specifier} resolved to ${json(result)}`);
  return result.kind === 'path' ? result.path : '';
}

/** A tree of src/main.js and the package node_modules/`name`: its package.json `manifest`, and empty `files`. */
function withPackage(name: string, manifest: unknown, files: readonly string[]): Files {
  const dir = `node_modules/${name}`;
  const empty = Object.fromEntries(files.map((file) => [`${dir}/${file}`, '']));
  return { 'src/main.js': '', [`${dir}/package.json`]: json(manifest), ...empty };
}

/** Asserts that each specifier (key) resolves in `tree` to the path (value). */
function assertPaths(tree: TreeHost | Files, expected: Record<string, string>): void {
  for (const [specifier, resolved] of Object.entries(expected)) assert.equal(pathOf(tree, specifier), resolved);
}

function throwsCode(
  fn: () => unknown,
  code: string,
  message?: RegExp | string,
): Error & { code: string; url?: string; entry?: string } {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, `expected ${code}, nothing was thrown`);
  const error = caught as Error & { code: string; url?: string; entry?: string };
  assert.equal(error.code, code, error.message);
  if (typeof message === 'string') assert.equal(error.message, message);
  else if (message !== undefined) assert.match(error.message, message);
  return error;
}

const Z = 'zip:///srv/app.zip!/';

describe('builtins and specifiers the tree cannot answer', () => {
  const tree = withPackage('fs', { main: 'x.js' }, ['x.js']);

  it('maps node: specifiers and bare builtin names to node: URLs, before any node_modules', () => {
    assert.deepEqual(resolveIn(tree, 'node:fs'), { kind: 'builtin', url: 'node:fs' });
    assert.deepEqual(resolveIn(tree, 'fs'), { kind: 'builtin', url: 'node:fs' });
    assert.deepEqual(resolveIn(tree, 'fs/promises'), { kind: 'builtin', url: 'node:fs/promises' });
    assert.deepEqual(resolveIn(tree, 'node:test'), { kind: 'builtin', url: 'node:test' });
  });

  it('treats scheme-only builtins (test, sqlite) as ordinary package names', () => {
    assert.deepEqual(resolveIn(tree, 'test'), { kind: 'outside', specifier: 'test' });
  });

  it('hands bare specifiers found in no node_modules of the tree to the host, subpath included', () => {
    assert.deepEqual(resolveIn(tree, 'lodash'), { kind: 'outside', specifier: 'lodash' });
    assert.deepEqual(resolveIn(tree, '@scope/pkg/deep/x.js'), { kind: 'outside', specifier: '@scope/pkg/deep/x.js' });
  });

  it('hands absolute URLs and absolute paths to the host', () => {
    assert.deepEqual(resolveIn(tree, 'file:///etc/x.js'), { kind: 'outside', specifier: 'file:///etc/x.js' });
    assert.deepEqual(resolveIn(tree, 'data:text/javascript,1'), {
      kind: 'outside',
      specifier: 'data:text/javascript,1',
    });
    assert.deepEqual(resolveIn(tree, '/etc/x.js'), { kind: 'outside', specifier: '/etc/x.js' });
  });

  it('resolves relative specifiers against the importer, ESM-strict, never leaving the tree', () => {
    const files = { 'src/main.js': '', 'src/a b.js': '', 'lib/x.js': '', 'lib/d/index.js': '' };
    assert.equal(pathOf(files, './a%20b.js'), 'src/a b.js');
    assert.equal(pathOf(files, '../lib/x.js'), 'lib/x.js');
    throwsCode(() => resolveIn(files, '../lib/x'), 'ERR_MODULE_NOT_FOUND');
    throwsCode(() => resolveIn(files, '../lib/d'), 'ERR_UNSUPPORTED_DIR_IMPORT');
    throwsCode(() => resolveIn(files, '../../x.js'), 'ERR_HOTZIP_INVALID_SPECIFIER');
    assert.equal(pathOf(files, '../lib/x', 'src/main.js', REQUIRE), 'lib/x.js');
    assert.equal(pathOf(files, '../lib/d', 'src/main.js', REQUIRE), 'lib/d/index.js');
  });
});

describe('invalid specifiers', () => {
  const tree = { 'src/main.js': '' };
  for (const specifier of ['@scope', '.hidden', 'a%20b', 'a%2Fb', 'a\\b', '@scope%2Fx/y']) {
    it(`rejects ${JSON.stringify(specifier)} as Node does`, () => {
      throwsCode(
        () => resolveIn(tree, specifier),
        'ERR_INVALID_MODULE_SPECIFIER',
        `Invalid module "${specifier}" is not a valid package name imported from ${Z}src/main.js`,
      );
    });
  }
});

describe('walking up node_modules', () => {
  const tree = {
    'src/deep/er/x.js': '',
    'src/main.js': '',
    'node_modules/a/package.json': json({ exports: './root.js' }),
    'node_modules/a/root.js': '',
    'src/node_modules/a/package.json': json({ exports: './src.js' }),
    'src/node_modules/a/src.js': '',
    'node_modules/b/package.json': json({ exports: './b.js' }),
    'node_modules/b/b.js': '',
    'node_modules/b/node_modules/a/package.json': json({ exports: './nested.js' }),
    'node_modules/b/node_modules/a/nested.js': '',
    'node_modules/@scope/pkg/package.json': json({ exports: { '.': './main.js', './sub': './sub.js' } }),
    'node_modules/@scope/pkg/main.js': '',
    'node_modules/@scope/pkg/sub.js': '',
  };

  it('takes the nearest node_modules from the importer up to the tree root', () => {
    assert.equal(pathOf(tree, 'a', 'src/deep/er/x.js'), 'src/node_modules/a/src.js');
    assert.equal(pathOf(tree, 'a', 'top.js'), 'node_modules/a/root.js');
    assert.equal(pathOf(tree, 'a', 'node_modules/b/b.js'), 'node_modules/b/node_modules/a/nested.js');
    assert.equal(pathOf(tree, 'b', 'src/deep/er/x.js'), 'node_modules/b/b.js');
  });

  it('resolves scoped packages and their subpaths', () => {
    assert.equal(pathOf(tree, '@scope/pkg'), 'node_modules/@scope/pkg/main.js');
    assert.equal(pathOf(tree, '@scope/pkg/sub'), 'node_modules/@scope/pkg/sub.js');
    assert.deepEqual(resolveIn(tree, '@scope/other'), { kind: 'outside', specifier: '@scope/other' });
  });

  it('stops at the first package directory found: a missing subpath there is an error, not a fall-through', () => {
    throwsCode(() => resolveIn(tree, 'a/x.js', 'src/main.js'), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

describe('exports', () => {
  it('accepts the sugar forms: a string, an array, an object of conditions', () => {
    const tree = {
      'src/main.js': '',
      'node_modules/s/package.json': json({ exports: './s.js' }),
      'node_modules/s/s.js': '',
      'node_modules/arr/package.json': json({ exports: ['./a.js'] }),
      'node_modules/arr/a.js': '',
      'node_modules/c/package.json': json({ exports: { import: './i.js', default: './d.js' } }),
      'node_modules/c/i.js': '',
      'node_modules/c/d.js': '',
    };
    assertPaths(tree, {
      s: 'node_modules/s/s.js',
      arr: 'node_modules/arr/a.js',
      c: 'node_modules/c/i.js',
    });
    assert.equal(pathOf(tree, 'c', 'src/main.js', REQUIRE), 'node_modules/c/d.js');
    throwsCode(
      () => resolveIn(tree, 's/s.js'),
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
      `Package subpath './s.js' is not defined by "exports" in ${Z}node_modules/s/package.json imported from ${Z}src/main.js`,
    );
  });

  it('lets the key order of the conditions object decide, not the order of the conditions given', () => {
    const tree = withPackage(
      'o',
      { exports: { '.': { default: './d.js', import: './i.js' }, './n': { node: './n.js', import: './i.js' } } },
      ['d.js', 'i.js', 'n.js'],
    );
    assert.equal(pathOf(tree, 'o'), 'node_modules/o/d.js');
    assert.equal(pathOf(tree, 'o/n', 'src/main.js', ['import', 'node']), 'node_modules/o/n.js');
    assert.equal(pathOf(tree, 'o/n', 'src/main.js', ['import']), 'node_modules/o/i.js');
  });

  it('follows nested conditions, and moves on when a nested object matches nothing', () => {
    const tree = withPackage(
      'n',
      {
        exports: {
          node: { require: './node-cjs.cjs', browser: './never.js' },
          import: { worker: './worker.js', default: './esm.js' },
          default: './fallback.js',
        },
      },
      ['node-cjs.cjs', 'esm.js', 'worker.js', 'fallback.js'],
    );
    assert.equal(pathOf(tree, 'n'), 'node_modules/n/esm.js');
    assert.equal(pathOf(tree, 'n', 'src/main.js', REQUIRE), 'node_modules/n/node-cjs.cjs');
    assert.equal(pathOf(tree, 'n', 'src/main.js', ['node', 'import', 'worker']), 'node_modules/n/worker.js');
    assert.equal(pathOf(tree, 'n', 'src/main.js', ['deno']), 'node_modules/n/fallback.js');
  });

  it('uses arrays as fallbacks for invalid targets and null, not for missing files', () => {
    const tree = withPackage(
      'f',
      {
        exports: {
          './invalid-first': ['../bad.js', 'bare', './ok.js'],
          './null-first': [null, './ok.js'],
          './missing-first': ['./missing.js', './ok.js'],
          './empty': [],
          './all-invalid': ['../a.js', '/b.js'],
          './invalid-then-null': ['../a.js', null],
          './conditions': [{ browser: './b.js' }, './ok.js'],
        },
      },
      ['ok.js'],
    );
    assertPaths(tree, {
      'f/invalid-first': 'node_modules/f/ok.js',
      'f/null-first': 'node_modules/f/ok.js',
      'f/conditions': 'node_modules/f/ok.js',
    });
    throwsCode(() => resolveIn(tree, 'f/missing-first'), 'ERR_MODULE_NOT_FOUND');
    throwsCode(() => resolveIn(tree, 'f/empty'), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    throwsCode(
      () => resolveIn(tree, 'f/all-invalid'),
      'ERR_INVALID_PACKAGE_TARGET',
      /"\/b\.js" defined for '.\/all-invalid'/,
    );
    throwsCode(() => resolveIn(tree, 'f/invalid-then-null'), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('excludes subpaths with null targets, even under a matching pattern', () => {
    const tree = withPackage('p', { exports: { './*': './lib/*.js', './internal/*': null, './gone': null } }, [
      'lib/a.js',
      'lib/internal/x.js',
    ]);
    assert.equal(pathOf(tree, 'p/a'), 'node_modules/p/lib/a.js');
    for (const specifier of ['p/internal/x', 'p/gone']) {
      throwsCode(() => resolveIn(tree, specifier), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    }
  });

  it('expands * patterns, across slashes and in every place of the target', () => {
    const tree = withPackage(
      'p',
      {
        exports: {
          './features/*.js': './src/features/*.js',
          './twice/*': './src/*/*.js',
          './two/*/stars/*': './never.js',
          './plain/*': './src/plain/*',
        },
      },
      ['src/features/a.js', 'src/features/deep/b.js', 'src/x/x.js', 'src/plain/c.js'],
    );
    assertPaths(tree, {
      'p/features/a.js': 'node_modules/p/src/features/a.js',
      'p/features/deep/b.js': 'node_modules/p/src/features/deep/b.js',
      'p/twice/x': 'node_modules/p/src/x/x.js',
      'p/plain/c.js': 'node_modules/p/src/plain/c.js',
    });
    for (const specifier of ['p/features/a.mjs', 'p/two/a/stars/b']) {
      throwsCode(() => resolveIn(tree, specifier), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    }
  });

  it('orders pattern keys as Node does: exact first, then the longest prefix, then the longest key', () => {
    const tree = withPackage(
      'k',
      {
        exports: {
          './*': './any/*.js',
          './a/*': './a/*.js',
          './a/b/*': './ab/*.js',
          './x/*': './x-short/*',
          './x/*.js': './x-long/*.js',
          './a/b/exact': './exact.js',
        },
      },
      ['any/q.js', 'a/q.js', 'ab/q.js', 'ab/exact.js', 'exact.js', 'x-long/q.js', 'x-short/q.cjs'],
    );
    assertPaths(tree, {
      'k/q': 'node_modules/k/any/q.js',
      'k/a/q': 'node_modules/k/a/q.js',
      'k/a/b/q': 'node_modules/k/ab/q.js',
      'k/a/b/exact': 'node_modules/k/exact.js',
      'k/x/q.js': 'node_modules/k/x-long/q.js',
      'k/x/q.cjs': 'node_modules/k/x-short/q.cjs',
    });
  });

  it('does not support trailing-slash folder mappings (removed from Node)', () => {
    const tree = withPackage('f', { exports: { './lib/': './lib/' } }, ['lib/a.js']);
    for (const specifier of ['f/lib/a.js', 'f/lib/']) {
      throwsCode(() => resolveIn(tree, specifier), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    }
  });

  it('reports a main entry that is not exported in Node words', () => {
    const tree = withPackage('m', { exports: { './x': './x.js' } }, ['x.js']);
    throwsCode(
      () => resolveIn(tree, 'm'),
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
      `No "exports" main defined in ${Z}node_modules/m/package.json imported from ${Z}src/main.js`,
    );
  });

  it('checks that the target exists, and refuses directories the ESM way', () => {
    const tree = withPackage('e', { exports: { './missing': './nope.js', './dir': './lib' } }, ['lib/index.js']);
    const missing = throwsCode(
      () => resolveIn(tree, 'e/missing'),
      'ERR_MODULE_NOT_FOUND',
      `Cannot find module '${Z}node_modules/e/nope.js' imported from ${Z}src/main.js`,
    );
    assert.equal(missing.url, `${Z}node_modules/e/nope.js`);
    assert.equal(missing.entry, 'src/main.js');
    throwsCode(() => resolveIn(tree, 'e/dir'), 'ERR_UNSUPPORTED_DIR_IMPORT', new RegExp(`${Z}node_modules/e/lib`));
    throwsCode(() => resolveIn(tree, 'e/dir', 'src/main.js', REQUIRE), 'ERR_MODULE_NOT_FOUND');
  });

  it('returns normalized paths and decodes percent-encoding like a file: URL', () => {
    const tree = withPackage(
      'n',
      { exports: { './double': './lib//a.js', './space': './lib/a%20b.js', './*': './lib/*.js' } },
      ['lib/a.js', 'lib/a b.js'],
    );
    assertPaths(tree, {
      'n/double': 'node_modules/n/lib/a.js',
      'n/space': 'node_modules/n/lib/a b.js',
      'n/a b': 'node_modules/n/lib/a b.js',
      'n/a%20b': 'node_modules/n/lib/a b.js',
    });
  });
});

describe('invalid targets and segments', () => {
  const tree = {
    'src/main.js': '',
    'outside.js': '',
    'node_modules/t/package.json': json({
      exports: {
        './up': '../../outside.js',
        './abs': '/outside.js',
        './bare': 'other-package',
        './url': 'file:///outside.js',
        './nm': './node_modules/x/i.js',
        './dot': './lib/../a.js',
        './encoded-dot': './lib/%2e%2e/a.js',
        './number': 5,
        './object-in-array': [{ import: 7 }],
        './pattern/*': './lib/*.js',
        './back/*': './lib\\*.js',
      },
    }),
    'node_modules/t/a.js': '',
    'node_modules/t/lib/a.js': '',
    'node_modules/t/node_modules/x/i.js': '',
  };
  const pj = `${Z}node_modules/t/package.json`;

  it('rejects targets that do not start with ./ or that escape the package', () => {
    throwsCode(
      () => resolveIn(tree, 't/up'),
      'ERR_INVALID_PACKAGE_TARGET',
      `Invalid "exports" target "../../outside.js" defined for './up' in the package config ${pj} imported from ${Z}src/main.js; targets must start with "./"`,
    );
    for (const specifier of ['t/abs', 't/bare', 't/url']) {
      throwsCode(() => resolveIn(tree, specifier), 'ERR_INVALID_PACKAGE_TARGET');
    }
  });

  it('rejects ., .. and node_modules segments in targets, encoded or not', () => {
    throwsCode(
      () => resolveIn(tree, 't/nm'),
      'ERR_INVALID_PACKAGE_TARGET',
      `Invalid "exports" target "./node_modules/x/i.js" defined for './nm' in the package config ${pj} imported from ${Z}src/main.js`,
    );
    for (const specifier of ['t/dot', 't/encoded-dot']) {
      throwsCode(() => resolveIn(tree, specifier), 'ERR_INVALID_PACKAGE_TARGET');
    }
  });

  it('rejects targets that are neither strings, arrays, objects nor null', () => {
    throwsCode(
      () => resolveIn(tree, 't/number'),
      'ERR_INVALID_PACKAGE_TARGET',
      `Invalid "exports" target "5" defined for './number' in the package config ${pj} imported from ${Z}src/main.js; targets must start with "./"`,
    );
    throwsCode(() => resolveIn(tree, 't/object-in-array'), 'ERR_INVALID_PACKAGE_TARGET');
  });

  it('rejects invalid segments in what * matched, as an invalid module specifier', () => {
    for (const request of ['t/pattern/../a', 't/pattern/%2e%2e/a', 't/pattern/./a', 't/pattern/node_modules/x/i']) {
      throwsCode(
        () => resolveIn(tree, request),
        'ERR_INVALID_MODULE_SPECIFIER',
        /request is not a valid match in pattern ".\/pattern\/\*" for the "exports" resolution of/,
      );
    }
  });

  it('rejects encoded / and \\ in the resolved path', () => {
    throwsCode(
      () => resolveIn(tree, 't/pattern/lib%2Fa'),
      'ERR_INVALID_MODULE_SPECIFIER',
      `Invalid module "${Z}node_modules/t/lib/lib%2Fa.js" must not include encoded "/" or "\\" characters imported from ${Z}src/main.js`,
    );
    throwsCode(() => resolveIn(tree, 't/pattern/x%5Ca'), 'ERR_INVALID_MODULE_SPECIFIER');
  });

  it('reads a \\ in a target as a URL does: a path separator', () => {
    assert.equal(pathOf(tree, 't/back/a'), 'node_modules/t/lib/a.js');
  });

  it('never resolves to a path above the tree root', () => {
    const loose = { 'src/main.js': '', 'node_modules/l/package.json': '{}', 'node_modules/l/x.js': '' };
    assert.equal(pathOf(loose, 'l/../l/x.js'), 'node_modules/l/x.js');
    throwsCode(() => resolveIn(loose, 'l/../../../x.js'), 'ERR_HOTZIP_INVALID_SPECIFIER');
  });
});

describe('package.json validation', () => {
  it('reports a syntax error as ERR_INVALID_PACKAGE_CONFIG naming the file and the importer', () => {
    const tree = { 'src/main.js': '', 'node_modules/bad/package.json': '{ nope', 'node_modules/bad/index.js': '' };
    const error = throwsCode(() => resolveIn(tree, 'bad'), 'ERR_INVALID_PACKAGE_CONFIG');
    const head = `Invalid package config ${Z}node_modules/bad/package.json while importing "bad" from ${Z}src/main.js.`;
    if (modern) assert.equal(error.message, head);
    else assert.ok(error.message.startsWith(`${head} `), error.message);
  });

  it('reports a broken package.json of the importer scope even for unrelated specifiers', () => {
    const tree = { 'package.json': '{', 'src/main.js': '' };
    for (const specifier of ['anything', '#x']) {
      throwsCode(() => resolveIn(tree, specifier), 'ERR_INVALID_PACKAGE_CONFIG');
    }
  });

  it('rejects exports mixing subpath keys and condition keys', () => {
    const tree = withPackage('m', { exports: { '.': './a.js', import: './b.js' } }, []);
    throwsCode(
      () => resolveIn(tree, 'm'),
      'ERR_INVALID_PACKAGE_CONFIG',
      /^Invalid package config .*node_modules\/m\/package\.json while importing .*src\/main\.js\. "exports" cannot contain some keys starting with '\.' and some not\./,
    );
  });

  it('rejects numeric condition keys', () => {
    const tree = withPackage('m', { exports: { '.': { 0: './a.js', import: './a.js' } } }, []);
    throwsCode(
      () => resolveIn(tree, 'm'),
      'ERR_INVALID_PACKAGE_CONFIG',
      /"exports" cannot contain numeric property keys\./,
    );
  });

  it('follows the running Node on package.json files that are not objects', () => {
    const tree = { 'src/main.js': '', 'node_modules/arr/package.json': '[]', 'node_modules/arr/index.js': '' };
    if (modern) throwsCode(() => resolveIn(tree, 'arr'), 'ERR_INVALID_PACKAGE_CONFIG');
    else assert.equal(pathOf(tree, 'arr'), 'node_modules/arr/index.js');
  });

  it('follows the running Node on "exports": false', () => {
    const tree = withPackage('f', { exports: false, main: 'm.js' }, ['m.js']);
    if (modern) assert.equal(pathOf(tree, 'f'), 'node_modules/f/m.js');
    else throwsCode(() => resolveIn(tree, 'f'), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('reads the fields Node reads, ignoring wrong types, and caches per host', () => {
    const files = {
      'package.json': json({ name: 7, main: ['x'], type: 'wasm', exports: null, imports: '#x' }),
      'a/package.json': json({
        name: 'a',
        main: './m.js',
        type: 'module',
        exports: './m.js',
        imports: { '#x': './x.js' },
      }),
    };
    const host = memoryTree(files);
    assert.deepEqual(readPackageJson(host, ''), {
      name: undefined,
      main: undefined,
      type: undefined,
      exports: undefined,
      imports: undefined,
    });
    assert.deepEqual(readPackageJson(host, 'a'), {
      name: 'a',
      main: './m.js',
      type: 'module',
      exports: './m.js',
      imports: { '#x': './x.js' },
    });
    assert.equal(readPackageJson(host, 'missing'), undefined);
    const before = host.reads.length;
    readPackageJson(host, 'a');
    readPackageJson(host, '');
    assert.equal(host.reads.length, before, 'a second read comes from the cache');
    const other = memoryTree({ ...files, 'a/package.json': json({ name: 'changed' }) });
    assert.equal(readPackageJson(other, 'a')?.name, 'changed', 'the cache belongs to one host');
    throwsCode(() => readPackageJson(memoryTree({ 'package.json': 'nope' }), ''), 'ERR_INVALID_PACKAGE_CONFIG');
  });
});

describe('findPackageScope', () => {
  const files = {
    'package.json': json({ name: 'root', type: 'module' }),
    'src/a/b.js': '',
    'sub/package.json': json({ type: 'commonjs' }),
    'sub/deep/x.js': '',
    'node_modules/pkg/lib/x.js': '',
    'node_modules/loose.js': '',
    'x_node_modules/package.json': json({ name: 'x' }),
    'x_node_modules/a/b.js': '',
  };
  const host = memoryTree(files);

  it('finds the nearest package.json at or above the file', () => {
    assert.equal(findPackageScope(host, 'src/a/b.js')?.dir, '');
    assert.equal(findPackageScope(host, 'sub/deep/x.js')?.pkg.type, 'commonjs');
    assert.equal(findPackageScope(host, 'package.json')?.pkg.name, 'root');
  });

  it('never looks past a node_modules directory', () => {
    assert.equal(findPackageScope(host, 'node_modules/pkg/lib/x.js'), undefined);
    assert.equal(findPackageScope(host, 'node_modules/loose.js'), undefined);
  });

  it('never looks above the tree root', () => {
    assert.equal(findPackageScope(memoryTree({ 'a/b.js': '' }), 'a/b.js'), undefined);
  });

  it('follows the running Node on directories whose name merely ends in node_modules', () => {
    assert.equal(findPackageScope(host, 'x_node_modules/a/b.js')?.dir, modern ? 'x_node_modules' : undefined);
  });
});

describe('self-reference', () => {
  const tree = {
    'package.json': json({ name: 'app', exports: { '.': './src/main.js', './feature': './src/feature.js' } }),
    'src/main.js': '',
    'src/feature.js': '',
    'src/hidden.js': '',
    'lib/package.json': json({ name: 'lib-no-exports', main: 'i.js' }),
    'lib/i.js': '',
    'node_modules/lib-no-exports/package.json': json({ main: 'dep.js' }),
    'node_modules/lib-no-exports/dep.js': '',
  };

  it('resolves the package by its own name through its exports', () => {
    assert.equal(pathOf(tree, 'app'), 'src/main.js');
    assert.equal(pathOf(tree, 'app/feature', 'src/feature.js'), 'src/feature.js');
    throwsCode(() => resolveIn(tree, 'app/src/hidden.js'), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('is not available without exports: the name is looked up in node_modules', () => {
    assert.equal(pathOf(tree, 'lib-no-exports', 'lib/i.js'), 'node_modules/lib-no-exports/dep.js');
  });

  it('works from inside a package in node_modules', () => {
    const nested = {
      'node_modules/p/package.json': json({ name: 'p', exports: { './a': './a.js', './b': './b.js' } }),
      'node_modules/p/a.js': '',
      'node_modules/p/b.js': '',
    };
    assert.equal(pathOf(nested, 'p/b', 'node_modules/p/a.js'), 'node_modules/p/b.js');
  });
});

describe('imports', () => {
  const tree = {
    'package.json': json({
      name: 'app',
      imports: {
        '#util': './src/util.js',
        '#lib/*': './src/lib/*.js',
        '#lib/private/*': null,
        '#cond': { browser: './src/browser.js', node: './src/node.js' },
        '#dep': 'dep',
        '#dep/*': 'dep/sub/*',
        '#host': 'hostpkg/x',
        '#fs': 'fs',
        '#node-url': 'node:fs',
        '#up': '../outside.js',
        '#null': null,
        '#/*': './src/*',
      },
    }),
    'src/main.js': '',
    'src/util.js': '',
    'src/node.js': '',
    'src/lib/a.js': '',
    'src/lib/private/p.js': '',
    'node_modules/dep/package.json': json({ exports: { '.': './d.js', './sub/*': './s/*.js' } }),
    'node_modules/dep/d.js': '',
    'node_modules/dep/s/x.js': '',
  };

  it('maps #names to files of the package, with patterns and conditions', () => {
    assertPaths(tree, {
      '#util': 'src/util.js',
      '#lib/a': 'src/lib/a.js',
      '#cond': 'src/node.js',
    });
    throwsCode(() => resolveIn(tree, '#lib/private/p'), 'ERR_PACKAGE_IMPORT_NOT_DEFINED');
  });

  it('resolves bare package targets in the tree first, then hands them to the host', () => {
    assert.equal(pathOf(tree, '#dep'), 'node_modules/dep/d.js');
    assert.equal(pathOf(tree, '#dep/x'), 'node_modules/dep/s/x.js');
    assert.deepEqual(resolveIn(tree, '#fs'), { kind: 'builtin', url: 'node:fs' });
    assert.deepEqual(resolveIn(tree, '#host'), { kind: 'outside', specifier: 'hostpkg/x' });
  });

  it('rejects URL and ../ targets', () => {
    throwsCode(
      () => resolveIn(tree, '#node-url'),
      'ERR_INVALID_PACKAGE_TARGET',
      `Invalid "imports" target "node:fs" defined for '#node-url' in the package config ${Z}package.json imported from ${Z}src/main.js`,
    );
    throwsCode(() => resolveIn(tree, '#up'), 'ERR_INVALID_PACKAGE_TARGET');
  });

  it('reports names that are not defined, or null', () => {
    throwsCode(
      () => resolveIn(tree, '#nope'),
      'ERR_PACKAGE_IMPORT_NOT_DEFINED',
      `Package import specifier "#nope" is not defined in package ${Z}package.json imported from ${Z}src/main.js`,
    );
    throwsCode(() => resolveIn(tree, '#null'), 'ERR_PACKAGE_IMPORT_NOT_DEFINED');
    throwsCode(
      () => resolveIn({ 'a.js': '' }, '#x', 'a.js'),
      'ERR_PACKAGE_IMPORT_NOT_DEFINED',
      `Package import specifier "#x" is not defined imported from ${Z}a.js`,
    );
  });

  it('rejects # alone and names ending in /', () => {
    throwsCode(
      () => resolveIn(tree, '#'),
      'ERR_INVALID_MODULE_SPECIFIER',
      /is not a valid internal imports specifier name/,
    );
    throwsCode(() => resolveIn(tree, '#lib/'), 'ERR_INVALID_MODULE_SPECIFIER');
  });

  it('follows the running Node on #/ names (allowed since 24.14 and 25.4)', () => {
    if (hashSlash) assert.equal(pathOf(tree, '#/util.js'), 'src/util.js');
    else throwsCode(() => resolveIn(tree, '#/util.js'), 'ERR_INVALID_MODULE_SPECIFIER');
  });

  it('uses the package scope of the importer, which stops at node_modules', () => {
    const scoped = {
      ...tree,
      'node_modules/dep/package.json': json({ exports: './d.js', imports: { '#util': './own.js' } }),
      'node_modules/dep/own.js': '',
      'node_modules/vendor/x.js': '',
    };
    assert.equal(pathOf(scoped, '#util', 'node_modules/dep/d.js'), 'node_modules/dep/own.js');
    throwsCode(() => resolveIn(scoped, '#util', 'node_modules/vendor/x.js'), 'ERR_PACKAGE_IMPORT_NOT_DEFINED');
  });
});

describe('legacy main', () => {
  const probe = (files: Files) => pathOf({ 'src/main.js': '', ...files }, 'pkg');
  const pj = (value: unknown) => ({ 'node_modules/pkg/package.json': json(value) });

  it('probes main, main.js, main.json, main.node, main/index.*, then index.*', () => {
    // Each case: the package.json's main (undefined: a package.json without one; null: no package.json), the files
    // in the package, and the one resolution picks.
    const cases: ReadonlyArray<readonly [string | undefined | null, readonly string[], string]> = [
      ['m', ['m', 'm.js'], 'm'],
      ['m', ['m.js', 'm.json'], 'm.js'],
      ['m', ['m.json', 'm.node'], 'm.json'],
      ['m', ['m.node', 'm/index.js'], 'm.node'],
      ['./m', ['m/index.js'], 'm/index.js'],
      ['m', ['m/index.json'], 'm/index.json'],
      ['m', ['m/index.node', 'index.js'], 'm/index.node'],
      ['missing', ['index.js'], 'index.js'],
      [undefined, ['index.json', 'index.node'], 'index.json'],
      [null, ['index.node'], 'index.node'],
    ];
    for (const [main, files, picked] of cases) {
      const manifest = main === null ? {} : pj(main === undefined ? {} : { main });
      const tree = { ...manifest, ...Object.fromEntries(files.map((file) => [`node_modules/pkg/${file}`, ''])) };
      assert.equal(probe(tree), `node_modules/pkg/${picked}`, picked);
    }
  });

  it('reports a package without a usable main as ERR_MODULE_NOT_FOUND, not as outside', () => {
    throwsCode(
      () => resolveIn({ 'src/main.js': '', ...pj({ main: 'lib/nope.js' }) }, 'pkg'),
      'ERR_MODULE_NOT_FOUND',
      `Cannot find package '${Z}node_modules/pkg/lib/nope.js' imported from ${Z}src/main.js`,
    );
    throwsCode(
      () => resolveIn({ 'src/main.js': '', ...pj({}) }, 'pkg'),
      'ERR_MODULE_NOT_FOUND',
      `Cannot find package '${Z}node_modules/pkg/index.js' imported from ${Z}src/main.js`,
    );
    throwsCode(() => resolveIn({ 'src/main.js': '', 'node_modules/pkg/': '' }, 'pkg'), 'ERR_MODULE_NOT_FOUND');
  });

  it('follows the running Node on a percent-encoded main', () => {
    const files = { ...pj({ main: 'a%20b.js' }), 'node_modules/pkg/a b.js': '' };
    if (modern) throwsCode(() => resolveIn({ 'src/main.js': '', ...files }, 'pkg'), 'ERR_MODULE_NOT_FOUND');
    else assert.equal(probe(files), 'node_modules/pkg/a b.js');
  });

  it('resolves subpaths of a package without exports exactly, without probing', () => {
    const files = {
      'src/main.js': '',
      ...pj({}),
      'node_modules/pkg/lib/x.js': '',
      'node_modules/pkg/lib/d/index.js': '',
    };
    assert.equal(pathOf(files, 'pkg/lib/x.js'), 'node_modules/pkg/lib/x.js');
    assert.equal(pathOf(files, 'pkg/package.json'), 'node_modules/pkg/package.json');
    throwsCode(() => resolveIn(files, 'pkg/lib/x'), 'ERR_MODULE_NOT_FOUND');
    throwsCode(() => resolveIn(files, 'pkg/lib/d'), 'ERR_UNSUPPORTED_DIR_IMPORT');
  });
});

describe('require() conditions', () => {
  const tree = {
    'src/main.js': '',
    'node_modules/loose.js': '',
    'node_modules/plain/package.json': json({ main: 'lib/main' }),
    'node_modules/plain/lib/main.js': '',
    'node_modules/plain/lib/util.json': '',
    'node_modules/plain/dir/index.js': '',
    'src/node_modules/plain/package.json': json({}),
    'src/node_modules/plain/only-here.js': '',
    'node_modules/badmain/package.json': json({ main: 'nope.js' }),
    'node_modules/strict/package.json': json({ exports: { '.': './s.js', './lib/*': './lib/*' } }),
    'node_modules/strict/s.js': '',
    'node_modules/strict/lib/a.js': '',
  };

  it('probes extensions and directories of packages without exports, CommonJS style', () => {
    assert.equal(pathOf(tree, 'plain/lib/util', 'src/main.js', REQUIRE), 'node_modules/plain/lib/util.json');
    assert.equal(pathOf(tree, 'plain/dir', 'src/main.js', REQUIRE), 'node_modules/plain/dir/index.js');
    assert.equal(pathOf(tree, 'plain/only-here', 'src/main.js', REQUIRE), 'src/node_modules/plain/only-here.js');
  });

  it('moves on to the next node_modules when a package without exports lacks the file', () => {
    assert.equal(pathOf(tree, 'plain', 'src/main.js', REQUIRE), 'node_modules/plain/lib/main.js');
    assert.equal(pathOf(tree, 'loose', 'src/main.js', REQUIRE), 'node_modules/loose.js');
    assert.deepEqual(resolveIn(tree, 'loose'), { kind: 'outside', specifier: 'loose' });
  });

  it('reports a main that leads nowhere', () => {
    throwsCode(() => resolveIn(tree, 'badmain', 'src/main.js', REQUIRE), 'ERR_MODULE_NOT_FOUND', /valid "main" entry/);
  });

  it('keeps exports exact', () => {
    assert.equal(pathOf(tree, 'strict/lib/a.js', 'src/main.js', REQUIRE), 'node_modules/strict/lib/a.js');
    throwsCode(() => resolveIn(tree, 'strict/lib/a', 'src/main.js', REQUIRE), 'ERR_MODULE_NOT_FOUND');
  });
});

describe('resolveCommonJSPath', () => {
  const host = memoryTree({
    a: '',
    'a.js': '',
    'b.js': '',
    'b.json': '',
    'c.json': '',
    'c.node': '',
    'd.node': '',
    'dir/index.js': '',
    'dir/index.json': '',
    'jdir/index.json': '',
    'main/package.json': json({ main: 'lib/entry' }),
    'main/lib/entry.js': '',
    'main/index.js': '',
    'maindir/package.json': json({ main: './lib' }),
    'maindir/lib/index.node': '',
    'bad/package.json': json({ main: 'nope' }),
    'bad/index.json': '',
    'worse/package.json': json({ main: 'nope' }),
    'up/package.json': json({ main: '../a.js' }),
    'both.js': '',
    'both/index.js': '',
  });

  it('tries the exact path, then .js, .json, .node', () => {
    assert.equal(resolveCommonJSPath(host, 'a'), 'a');
    assert.equal(resolveCommonJSPath(host, 'b'), 'b.js');
    assert.equal(resolveCommonJSPath(host, 'c'), 'c.json');
    assert.equal(resolveCommonJSPath(host, 'd'), 'd.node');
    assert.equal(resolveCommonJSPath(host, 'nothing'), undefined);
  });

  it('prefers a file with an extension over a directory of the same name', () => {
    assert.equal(resolveCommonJSPath(host, 'both'), 'both.js');
    assert.equal(resolveCommonJSPath(host, 'both/'), 'both/index.js');
  });

  it('reads a directory main with the same probes, then index', () => {
    assert.equal(resolveCommonJSPath(host, 'dir'), 'dir/index.js');
    assert.equal(resolveCommonJSPath(host, 'jdir'), 'jdir/index.json');
    assert.equal(resolveCommonJSPath(host, 'main'), 'main/lib/entry.js');
    assert.equal(resolveCommonJSPath(host, 'maindir'), 'maindir/lib/index.node');
    assert.equal(resolveCommonJSPath(host, 'bad'), 'bad/index.json');
    assert.equal(resolveCommonJSPath(host, 'worse'), undefined);
    assert.equal(resolveCommonJSPath(host, 'up'), 'a.js');
  });

  it('normalizes and never leaves the tree', () => {
    assert.equal(resolveCommonJSPath(host, 'dir/../b'), 'b.js');
    assert.equal(resolveCommonJSPath(host, '../a.js'), undefined);
  });
});

describe('resolvePackageTarget (the archive main)', () => {
  const host = memoryTree({ 'main.js': '', 'cjs.cjs': '' });
  const exportsOf = (value: JsonValue) => resolvePackageTarget(host, '', value, ESM);

  it('resolves the "." entry of any exports form', () => {
    assert.equal(exportsOf('./main.js'), 'main.js');
    assert.equal(exportsOf({ '.': './main.js' }), 'main.js');
    assert.equal(exportsOf({ require: './cjs.cjs', import: './main.js' }), 'main.js');
    assert.equal(resolvePackageTarget(host, '', { require: './cjs.cjs', import: './main.js' }, REQUIRE), 'cjs.cjs');
    assert.equal(resolvePackageTarget(host, 'sub', './x.js', ESM), 'sub/x.js');
  });

  it('is undefined when "." is not exported, and throws for invalid targets', () => {
    assert.equal(exportsOf({ './x': './main.js' }), undefined);
    assert.equal(exportsOf({ '.': null }), undefined);
    throwsCode(() => exportsOf('../main.js'), 'ERR_INVALID_PACKAGE_TARGET');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Parity with Node on disk.

const parityFiles: Files = {
  'package.json': json({
    name: 'app',
    type: 'module',
    exports: { '.': './src/main.js', './feature': './src/feature.js' },
    imports: {
      '#util': './src/util.js',
      '#lib/*': './src/lib/*.js',
      '#cond': { browser: './src/other.js', node: './src/util.js', default: './src/other.js' },
      '#dep': 'dep',
      '#dep/*': 'dep/sub/*',
      '#host': 'hostdep',
      '#fs': 'fs',
      '#node-fs': 'node:fs',
      '#bad': '../outside.js',
      '#null': null,
      '#/*': './src/*',
    },
  }),
  'src/main.js': '',
  'src/feature.js': '',
  'src/util.js': '',
  'src/other.js': '',
  'src/lib/a.js': '',
  'src/lib/dir/index.js': '',
  'src/deep/er/x.js': '',
  'node_modules/dep/package.json': json({
    name: 'dep',
    exports: {
      '.': { import: './esm.js', require: './cjs.cjs', default: './def.js' },
      './sub/*': './lib/*.js',
      './sub/private/*': null,
      './feat/*.js': './feat/*.js',
      './feat/internal/*': null,
      './arr': ['../bad.js', './lib/a.js'],
      './arr-null': [null, './lib/a.js'],
      './missing': './nope.js',
      './dir': './lib',
      './folder/': './lib/',
      './inv': '../x.js',
      './nm': './node_modules/x/i.js',
      './num': 5,
      './pkgjson': './package.json',
      './enc': './lib/a%20b.js',
      './dd': './lib//a.js',
      './star/*': './lib/*/*.js',
      './order/*': './lib/*.js',
      './order/*.js': './feat/*.js',
    },
  }),
  'node_modules/dep/esm.js': '',
  'node_modules/dep/cjs.cjs': '',
  'node_modules/dep/def.js': '',
  'node_modules/dep/lib/a.js': '',
  'node_modules/dep/lib/b.js': '',
  'node_modules/dep/lib/a b.js': '',
  'node_modules/dep/lib/x/x.js': '',
  'node_modules/dep/feat/x.js': '',
  'node_modules/dep/feat/internal/y.js': '',
  'node_modules/legacy/package.json': json({ main: 'lib/entry' }),
  'node_modules/legacy/lib/entry.js': '',
  'node_modules/legacy/other.js': '',
  'node_modules/legacy-index/package.json': '{}',
  'node_modules/legacy-index/index.json': '{}',
  'node_modules/legacy-dirmain/package.json': json({ main: './dist' }),
  'node_modules/legacy-dirmain/dist/index.js': '',
  'node_modules/legacy-none/package.json': json({ main: 'nothing.js' }),
  'node_modules/legacy-enc/package.json': json({ main: 'a%20b.js' }),
  'node_modules/legacy-enc/a b.js': '',
  'node_modules/no-pj/index.js': '',
  'node_modules/@scope/pkg/package.json': json({
    exports: { '.': './main.js', './sub': { node: { import: './sub-node.js' }, default: './sub.js' } },
  }),
  'node_modules/@scope/pkg/main.js': '',
  'node_modules/@scope/pkg/sub-node.js': '',
  'node_modules/@scope/pkg/sub.js': '',
  'node_modules/sugar/package.json': json({ exports: './s.js' }),
  'node_modules/sugar/s.js': '',
  'node_modules/sugar-cond/package.json': json({ exports: { default: './d.js', import: './i.js' } }),
  'node_modules/sugar-cond/d.js': '',
  'node_modules/sugar-cond/i.js': '',
  'node_modules/mixed/package.json': json({ exports: { '.': './a.js', import: './b.js' } }),
  'node_modules/numkey/package.json': json({ exports: { '.': { 0: './a.js' } } }),
  'node_modules/badjson/package.json': '{ nope',
  'node_modules/exfalse/package.json': json({ exports: false, main: 'm.js' }),
  'node_modules/exfalse/m.js': '',
  'node_modules/arrpj/package.json': '[]',
  'node_modules/arrpj/index.js': '',
  'node_modules/loose.js': '',
  'node_modules/nested/package.json': json({
    name: 'nested',
    exports: { '.': './n.js', './self': './self.js' },
    imports: { '#own': './own.js' },
  }),
  'node_modules/nested/n.js': '',
  'node_modules/nested/self.js': '',
  'node_modules/nested/own.js': '',
  'node_modules/nested/lib/x.js': '',
  'node_modules/nested/node_modules/dep/package.json': json({ exports: './inner.js' }),
  'node_modules/nested/node_modules/dep/inner.js': '',
  'node_modules/vendor/lib/x.js': '',
  'x_node_modules/package.json': json({ imports: { '#r': './r.js' } }),
  'x_node_modules/r.js': '',
  'x_node_modules/a/x.js': '',
};

/** [importer directory, specifier, mode]: resolved from a probe module in that directory. */
const parityCases: [string, string, 'import' | 'require'][] = [
  ...[
    'dep',
    'dep/sub/a',
    'dep/sub/private/x',
    'dep/feat/x.js',
    'dep/feat/internal/y.js',
    'dep/arr',
    'dep/arr-null',
    'dep/missing',
    'dep/dir',
    'dep/folder/a.js',
    'dep/inv',
    'dep/nm',
    'dep/num',
    'dep/pkgjson',
    'dep/package.json',
    'dep/enc',
    'dep/dd',
    'dep/star/x',
    'dep/order/x.js',
    'dep/order/b',
    'dep/sub/%2e%2e/x',
    'dep/sub/x%2Fy',
    'dep/sub/./a',
    'dep/nothere',
    'legacy',
    'legacy/other.js',
    'legacy/other',
    'legacy/lib',
    'legacy-index',
    'legacy-dirmain',
    'legacy-none',
    'legacy-enc',
    'no-pj',
    '@scope/pkg',
    '@scope/pkg/sub',
    '@scope',
    '@scope/none',
    'sugar',
    'sugar/s.js',
    'sugar-cond',
    'mixed',
    'numkey',
    'badjson',
    'exfalse',
    'arrpj',
    'loose',
    'app',
    'app/feature',
    'app/src/util.js',
    'hostdep',
    'hostdep/index.js',
    'nope-pkg',
    '.hidden',
    'a%2Fb',
    'fs',
    'node:path',
    '#util',
    '#lib/a',
    '#lib/dir/index',
    '#cond',
    '#dep',
    '#dep/b',
    '#host',
    '#fs',
    '#node-fs',
    '#bad',
    '#null',
    '#nope',
    '#',
    '#lib/',
    '#/util.js',
  ].map((specifier): [string, string, 'import'] => ['src', specifier, 'import']),
  ['src/deep/er', 'dep/sub/b', 'import'],
  ['src/deep/er', '@scope/pkg', 'import'],
  ['src/deep/er', '#util', 'import'],
  ['node_modules/nested/lib', 'dep', 'import'],
  ['node_modules/nested/lib', 'nested', 'import'],
  ['node_modules/nested/lib', 'nested/self', 'import'],
  ['node_modules/nested/lib', 'nested/nope', 'import'],
  ['node_modules/nested/lib', '#own', 'import'],
  ['node_modules/nested/lib', 'legacy', 'import'],
  ['node_modules/vendor/lib', '#util', 'import'],
  ['node_modules/vendor/lib', 'dep', 'import'],
  ['x_node_modules/a', '#r', 'import'],
  ['src', 'dep', 'require'],
  ['src', 'legacy/other', 'require'],
  ['src', 'legacy/lib/entry', 'require'],
  ['src', 'legacy-dirmain', 'require'],
  ['src', 'no-pj', 'require'],
  ['src', 'loose', 'require'],
  ['src', 'dep/missing', 'require'],
  ['src', 'dep/sub/a', 'require'],
  ['src', 'hostdep', 'require'],
  ['src', '#lib/a', 'require'],
];

type Outcome = { path: string } | { builtin: string } | { outside: true } | { code: string; message?: string };

const probeSource = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const failure = (e) => ({ code: e?.code, message: String(e?.message).split('\\n')[0] });
export function esm(s) { try { return { url: import.meta.resolve(s) }; } catch (e) { return failure(e); } }
export function cjs(s) { try { return { file: require.resolve(s) }; } catch (e) { return failure(e); } }
`;

const driverSource = `import { pathToFileURL } from 'node:url';
const [root, cases] = [process.argv[2], JSON.parse(process.argv[3])];
const out = [];
for (const [dir, specifier, mode] of cases) {
  const probe = await import(pathToFileURL(root + '/' + (dir ? dir + '/' : '') + '__probe__.mjs').href);
  out.push(mode === 'require' ? probe.cjs(specifier) : probe.esm(specifier));
}
process.stdout.write(JSON.stringify(out));
`;

describe('parity with Node resolving the same tree on disk', () => {
  let tmp = '';
  let root = '';

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-package-resolve-')));
    root = path.join(tmp, 'tree');
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    };
    for (const [name, text] of Object.entries(parityFiles)) write(path.join(root, name), text);
    for (const dir of new Set(parityCases.map(([dir]) => dir)))
      write(path.join(root, dir, '__probe__.mjs'), probeSource);
    write(path.join(tmp, 'driver.mjs'), driverSource);
    // A dependency of the host application, beside the archive rather than in it.
    write(path.join(tmp, 'node_modules/hostdep/package.json'), json({ main: 'index.js' }));
    write(path.join(tmp, 'node_modules/hostdep/index.js'), '');
  });

  after(() => {
    if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  });

  function nodeOutcomes(): Outcome[] {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const run = spawnSync(process.execPath, [path.join(tmp, 'driver.mjs'), root, json(parityCases)], {
      encoding: 'utf8',
      env,
    });
    assert.equal(run.status, 0, run.stderr);
    const raw = JSON.parse(run.stdout) as { url?: string; file?: string; code?: string; message?: string }[];
    return raw.map((item): Outcome => {
      const located = item.url ?? item.file;
      if (located !== undefined) {
        if (located.startsWith('node:')) return { builtin: located };
        const file = located.startsWith('file:') ? fileURLToPath(located) : located;
        // import.meta.resolve() returns the URL of a missing file or a directory instead of throwing.
        if (!fs.existsSync(file)) return { code: 'ERR_MODULE_NOT_FOUND' };
        if (fs.statSync(file).isDirectory()) return { code: 'ERR_UNSUPPORTED_DIR_IMPORT' };
        const relative = path.relative(root, file).split(path.sep).join('/');
        return relative.startsWith('../') ? { outside: true } : { path: relative };
      }
      const message = (item.message ?? '').replaceAll('file://', '');
      // Not found anywhere: for hotzip that is the host's business.
      if (/^Cannot find (package|module) '[^/]/.test(message) && /MODULE_NOT_FOUND$/.test(item.code ?? '')) {
        return { outside: true };
      }
      if (item.code === 'MODULE_NOT_FOUND') return { code: 'ERR_MODULE_NOT_FOUND' };
      return { code: item.code ?? 'none', message };
    });
  }

  function ourOutcome(host: TreeHost, [dir, specifier, mode]: (typeof parityCases)[number]): Outcome {
    const importer = `${dir}/__probe__.mjs`;
    try {
      const result = resolvePackageSpecifier(host, specifier, importer, mode === 'require' ? REQUIRE : ESM);
      if (result.kind === 'path') return { path: result.path };
      if (result.kind === 'builtin') return { builtin: result.url };
      return { outside: true };
    } catch (error) {
      const { code, message } = error as { code: string; message: string };
      return { code, message };
    }
  }

  it(`agrees with Node ${process.versions.node} on ${parityCases.length} cases`, () => {
    assert.ok(parityCases.length >= 25);
    const files: Files = { ...parityFiles };
    for (const [dir] of parityCases) files[`${dir}/__probe__.mjs`] = probeSource;
    const host = memoryTree(files, (p) => `${root}/${p}`);
    const expected = nodeOutcomes();
    const mismatches: string[] = [];
    parityCases.forEach((item, i) => {
      const theirs = expected[i];
      const ours = ourOutcome(host, item);
      const comparable: Outcome =
        theirs !== undefined && 'code' in theirs && theirs.message === undefined && 'code' in ours
          ? { code: ours.code }
          : // CommonJS words its messages differently; codes must agree.
            item[2] === 'require' && 'code' in ours
            ? { code: ours.code, ...(theirs && 'message' in theirs ? { message: theirs.message } : {}) }
            : ours;
      try {
        assert.deepEqual(comparable, theirs);
      } catch {
        mismatches.push(`${item.join(' ')}\n    node:   ${json(theirs)}\n    hotzip: ${json(ours)}`);
      }
    });
    assert.deepEqual(mismatches, []);
  });
});
