/**
 * Which module format an archive entry has, by Node's rules for files on disk: the extension, then the nearest
 * package.json `type`, then (for `.js` and extensionless files with no `type`) the source's own syntax.
 */
import { compileFunction } from 'node:vm';
import { fail } from './errors.js';
import { lex } from './lex.js';
import { findPackageScope, type TreeHost } from './package-resolve.js';

/** A format name as Node's load hooks spell it. */
export type ModuleFormat = 'module' | 'commonjs' | 'json' | 'wasm' | 'module-typescript' | 'commonjs-typescript';

/** Node ≥ 22.18 runs TypeScript by stripping types; where it does, archives get the same. */
const typescript = Boolean((process.features as { typescript?: unknown }).typescript);

/** Tells whether the source uses ES module syntax, as Node's detection (the default since Node 20.19/22.7) does. */
export function hasModuleSyntax(source: string): boolean {
  try {
    if (lex(source)[3]) return true;
  } catch {
    return false;
  }
  // Top-level await is module syntax too, but the lexer does not flag it: let V8 say whether the code compiles as a
  // CommonJS function body, only when the word occurs at all.
  if (!source.includes('await')) return false;
  try {
    compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname']);
    return false;
  } catch (error) {
    return error instanceof SyntaxError && /await/.test(error.message);
  }
}

function scopeType(tree: TreeHost, entry: string): 'module' | 'commonjs' | undefined {
  const scope = findPackageScope(tree, entry);
  const type = scope?.pkg.type;
  return type === 'module' || type === 'commonjs' ? type : undefined;
}

/** Decides the format of `entry`; `source` is read only when the syntax decides. */
export function formatOf(tree: TreeHost, entry: string, url: string, source: () => string): ModuleFormat {
  const slash = entry.lastIndexOf('/');
  const dot = entry.lastIndexOf('.');
  const extension = dot > slash ? entry.slice(dot) : '';
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
    case '.ts':
      if (!typescript) break;
      if (extension === '.mts') return 'module-typescript';
      if (extension === '.cts') return 'commonjs-typescript';
      return (scopeType(tree, entry) ?? (hasModuleSyntax(source()) ? 'module' : 'commonjs')) === 'module'
        ? 'module-typescript'
        : 'commonjs-typescript';
    case '.js':
    case '': {
      const type = scopeType(tree, entry);
      if (type !== undefined) return type;
      return hasModuleSyntax(source()) ? 'module' : 'commonjs';
    }
  }
  return fail('ERR_UNKNOWN_FILE_EXTENSION', `Unknown file extension "${extension}" for ${url}`);
}
