/**
 * Which module format an archive entry has, by Node's rules for files on disk: the extension, then the nearest
 * package.json `type`, then (for `.js`, `.ts` and extensionless files with no `type`) the source's own syntax.
 */
import { compileFunction } from 'node:vm';
import { fail } from '../errors.js';
import { nodeTwenty, stripTypeScriptTypes, typeScriptMode } from '../node-support.js';
import { findPackageScope, type TreeHost } from '../resolve/package.js';
import { lex } from '../transform/lex.js';
import { quietStrip } from './typescript.js';

/** A format name as Node's load hooks spell it. */
export type ModuleFormat = 'module' | 'commonjs' | 'json' | 'wasm' | 'module-typescript' | 'commonjs-typescript';

/** Node's options for this process: NODE_OPTIONS first, then the command line, as Node reads them. */
const nodeArgs = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];

/**
 * The value of a Node option (`--name=value`, `--name value`), `true`/`false` for `--name`/`--no-name`; the last
 * occurrence wins. Hooks have no API for option values: the few that change a format are read here.
 */
function nodeOption(name: string, valued = false): string | boolean | undefined {
  let value: string | boolean | undefined;
  for (let i = 0; i < nodeArgs.length; i++) {
    const arg = nodeArgs[i];
    if (arg === `--${name}`) value = valued ? nodeArgs[i + 1] : true;
    else if (arg === `--no-${name}`) value = false;
    else if (arg?.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  }
  return value;
}

/** `--no-experimental-detect-module` turns syntax detection off: a typeless `.js` is then CommonJS. */
const detectModule = nodeOption('experimental-detect-module') !== false;

/** Node 20's `--experimental-default-type` (removed in 22) sets the format of typeless files instead of detection. */
const defaultType = nodeTwenty ? nodeOption('experimental-default-type', true) : undefined;

/** An extensionless file that starts with Wasm's magic is Wasm (Node 20 only with --experimental-wasm-modules). */
const extensionlessWasm = !nodeTwenty || nodeOption('experimental-wasm-modules') === true;

/** The parameters of Node's CommonJS wrapper, in its order: the names a CommonJS module cannot redeclare. */
const CJS_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

/** Errors from compiling as CommonJS that only ES module syntax causes (Node's list, matched as Node does). */
const ESM_ONLY_ERRORS = [
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
];

/**
 * Errors from compiling as CommonJS after which Node compiles the source as a module to decide: redeclared wrapper
 * variables, and the messages top-level await gives (`await x`, `f(await x)`, `if (await x)`, any "Unexpected …").
 * Node matches them against V8's message text, which reads "SyntaxError: …".
 */
const MAYBE_ESM_ERRORS = [
  "Identifier 'module' has already been declared",
  "Identifier 'exports' has already been declared",
  "Identifier 'require' has already been declared",
  "Identifier '__filename' has already been declared",
  "Identifier '__dirname' has already been declared",
  'await is only valid in async functions and the top level bodies of modules',
  'missing ) after argument list',
  'SyntaxError: Unexpected',
];

const AsyncFunction = (async () => {}).constructor as new (body: string) => unknown;

/**
 * Tells whether a source that failed to compile as CommonJS compiles as a module. Node asks V8 for a module parse,
 * which no public API offers without `--experimental-vm-modules`; a strict async function body accepts every module
 * body that has no import, export or `import.meta` (the same strictness, `await` at its top level), so it decides
 * those, and a source with such syntax (the lexer finds it) is taken for a module. A source invalid both ways can be
 * called a module where Node calls it CommonJS (an HTML comment, `await` as a name in a nested function, a top-level
 * `return`): it fails to load either way, with V8's module message instead of its CommonJS one.
 */
function compilesAsModule(source: string): boolean {
  try {
    if (lex(source)[3]) return true;
  } catch {
    // Unreadable to the lexer: the function body below still rejects any import or export in it.
  }
  // A hashbang is allowed only at the very start of a script or module, not in a function body: keep it a comment.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  try {
    new AsyncFunction(`'use strict';${body}`);
    return true;
  } catch (error) {
    if (!(error instanceof EvalError)) return false;
  }
  // --disallow-code-generation-from-strings forbids the constructor but not vm: the same body in a wrapper, which
  // (unlike the constructor) a body with unbalanced braces could close early; such a body is no module anyway.
  try {
    compileFunction(`return async function () {'use strict';${body}\n}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Tells whether Node's syntax detection (the default since Node 20.19/22.7) runs `source` as an ES module: it must
 * fail to compile as a CommonJS function body, with an error that only module syntax gives, or with one that top-level
 * await or a redeclared wrapper variable gives and then compile as a module.
 */
function hasModuleSyntax(source: string): boolean {
  let message: string;
  try {
    compileFunction(source, CJS_PARAMETERS);
    return false;
  } catch (error) {
    message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  if (ESM_ONLY_ERRORS.some((text) => message.includes(text))) return true;
  if (!MAYBE_ESM_ERRORS.some((text) => message.includes(text))) return false;
  return compilesAsModule(source);
}

/** Node's detection of a typeless TypeScript file runs on the source with its types stripped. */
function strippedTypeScript(source: string): string {
  const strip = stripTypeScriptTypes;
  if (strip === undefined) return source;
  try {
    return quietStrip(strip, source, typeScriptMode === 'transform' ? 'transform' : 'strip');
  } catch {
    // Syntax that cannot be stripped: Node's own stripping, when the module loads, reports it.
    return source;
  }
}

/** Package.json files Node has warned about, each once. */
const warnedTypeless = new Set<string>();

/**
 * Node warns once per package.json that has no `type` when detection makes one of its files a module, except under
 * node_modules; with no package.json at all it says nothing.
 */
function warnTypeless(tree: TreeHost, entry: string, url: string): void {
  const scope = findPackageScope(tree, entry);
  if (scope === undefined || `/${entry}`.includes('/node_modules/')) return;
  const pjson = tree.urlOf(scope.dir === '' ? 'package.json' : `${scope.dir}/package.json`);
  if (warnedTypeless.has(pjson)) return;
  warnedTypeless.add(pjson);
  process.emitWarning(
    `Module type of ${url} is not specified and it doesn't parse as CommonJS.\n` +
      'Reparsing as ES module because module syntax was detected. This incurs a performance overhead.\n' +
      `To eliminate this warning, add "type": "module" to ${pjson}.`,
    { code: 'MODULE_TYPELESS_PACKAGE_JSON' },
  );
}

function scopeType(tree: TreeHost, entry: string): 'module' | 'commonjs' | undefined {
  const scope = findPackageScope(tree, entry);
  const type = scope?.pkg.type;
  return type === 'module' || type === 'commonjs' ? type : undefined;
}

/** The extension as Node reads it from a URL: a leading dot (`.js` as a whole name) is no extension. */
function extensionOf(entry: string): string {
  const slash = entry.lastIndexOf('/');
  const dot = entry.lastIndexOf('.');
  return dot > slash + 1 ? entry.slice(dot) : '';
}

/** Node 20's `--experimental-default-type` for a typeless file: modules everywhere but under node_modules. */
function defaultTypeFormat(entry: string): 'module' | 'commonjs' | undefined {
  if (defaultType === 'commonjs') return 'commonjs';
  if (defaultType === 'module') return `/${entry}`.includes('/node_modules/') ? 'commonjs' : 'module';
  return undefined;
}

/** Decides the format of `entry`; `source` is read only when the syntax decides. */
export function formatOf(tree: TreeHost, entry: string, url: string, source: () => string): ModuleFormat {
  const extension = extensionOf(entry);
  switch (extension) {
    case '.mjs':
      return 'module';
    case '.cjs':
      return 'commonjs';
    case '.json':
      return 'json';
    case '.wasm':
      return 'wasm';
    case '.mts':
    case '.cts':
    case '.ts': {
      if (!typeScriptMode) break;
      if (extension === '.mts') return 'module-typescript';
      if (extension === '.cts') return 'commonjs-typescript';
      const type = scopeType(tree, entry);
      if (type !== undefined) return `${type}-typescript`;
      if (!detectModule || !hasModuleSyntax(strippedTypeScript(source()))) return 'commonjs-typescript';
      warnTypeless(tree, entry, url);
      return 'module-typescript';
    }
    case '.js': {
      const type = scopeType(tree, entry) ?? defaultTypeFormat(entry);
      if (type !== undefined) return type;
      if (!detectModule || !hasModuleSyntax(source())) return 'commonjs';
      warnTypeless(tree, entry, url);
      return 'module';
    }
    case '': {
      const wasm = (): boolean => extensionlessWasm && source().startsWith('\0asm');
      const type = scopeType(tree, entry) ?? defaultTypeFormat(entry);
      if (type === 'module') return wasm() ? 'wasm' : 'module';
      if (type !== undefined) return type;
      if (wasm()) return 'wasm';
      return detectModule && hasModuleSyntax(source()) ? 'module' : 'commonjs';
    }
  }
  return fail('ERR_UNKNOWN_FILE_EXTENSION', `Unknown file extension "${extension}" for ${url}`);
}
