/**
 * The transform proven on real code: every ES module file of the corpus, rewritten as hotzip rewrites it (a first
 * instance and an update's version), must still parse as a module with a real parser (acorn, a devDependency) and
 * keep the same static imports and exports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Node, parse } from 'acorn';
import { transformModule } from '../../lib/transform.js';

interface ModuleLists {
  imports: string[];
  exports: string[];
}

interface Named {
  type: string;
  name?: string;
  value?: unknown;
}

interface Statement extends Node {
  source?: { value: unknown } | null;
  specifiers?: Array<{ type: string; imported?: Named; exported?: Named; local?: Named }>;
  exported?: Named | null;
  declaration?: (Node & { id?: Named | null; declarations?: Array<{ id: Node }> }) | null;
}

function nameOf(node: Named | null | undefined): string {
  if (node == null) return '';
  return node.type === 'Literal' ? String(node.value) : String(node.name);
}

/** Binding names a declaration pattern introduces (`const { a, b: [c] } = …`). */
function patternNames(node: Node, out: string[]): void {
  const n = node as Node & {
    name?: string;
    properties?: Array<Node & { value?: Node; argument?: Node }>;
    elements?: Array<Node | null>;
    left?: Node;
    argument?: Node;
  };
  if (n.type === 'Identifier') out.push(String(n.name));
  else if (n.type === 'ObjectPattern') {
    for (const p of n.properties ?? [])
      patternNames(p.type === 'RestElement' ? (p.argument as Node) : (p.value as Node), out);
  } else if (n.type === 'ArrayPattern') {
    for (const e of n.elements ?? []) if (e !== null) patternNames(e, out);
  } else if (n.type === 'AssignmentPattern') patternNames(n.left as Node, out);
  else if (n.type === 'RestElement') patternNames(n.argument as Node, out);
}

function lists(source: string): ModuleLists {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
  const imports: string[] = [];
  const exports: string[] = [];
  for (const node of program.body as Statement[]) {
    if (node.type === 'ImportDeclaration') {
      const names = (node.specifiers ?? []).map((s) =>
        s.type === 'ImportSpecifier' ? nameOf(s.imported) : s.type === 'ImportDefaultSpecifier' ? 'default' : '*',
      );
      imports.push(`${String(node.source?.value)} [${names.join(',')}]`);
    } else if (node.type === 'ExportAllDeclaration') {
      imports.push(`${String(node.source?.value)} [*]`);
      if (node.exported != null) exports.push(nameOf(node.exported));
    } else if (node.type === 'ExportNamedDeclaration') {
      if (node.source != null) {
        imports.push(`${String(node.source.value)} [${(node.specifiers ?? []).map((s) => nameOf(s.local)).join(',')}]`);
      }
      for (const s of node.specifiers ?? []) exports.push(nameOf(s.exported));
      const declaration = node.declaration;
      if (declaration?.declarations) for (const d of declaration.declarations) patternNames(d.id, exports);
      else if (declaration?.id) exports.push(nameOf(declaration.id));
    } else if (node.type === 'ExportDefaultDeclaration') exports.push('default');
  }
  return { imports, exports: exports.sort() };
}

/** Thrown when a transformed module does not parse or changed its import or export lists. */
export class TransformCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformCheckError';
  }
}

/**
 * Checks hotzip's transform of one ES module: both outputs (first instance and update version) parse as modules
 * and keep the original's static imports and exports. Throws a TransformCheckError saying what broke, with the
 * parser's position. Returns 'unparsed', checking nothing, when the original itself is not a module acorn parses.
 * (Same contract as the transform tests' `checkTransformed` in test/syntax-check.ts, where that exists: this one can
 * be replaced by a re-export of it.)
 */
export function checkTransformed(source: string, url: string): 'checked' | 'unparsed' {
  let original: ModuleLists;
  try {
    original = lists(source);
  } catch {
    return 'unparsed';
  }
  for (const versioned of [false, true]) {
    const { code } = transformModule(source, { url, versioned });
    let after: ModuleLists;
    try {
      after = lists(code);
    } catch (error) {
      const e = error as SyntaxError & { loc?: { line: number; column: number } };
      const line = e.loc === undefined ? '' : code.split('\n')[e.loc.line - 1]?.slice(Math.max(0, e.loc.column - 60));
      throw new TransformCheckError(
        `${url}${versioned ? ' (update version)' : ''}: transformed output does not parse: ${e.message}\n  near: ${line?.slice(0, 160)}`,
      );
    }
    const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
    if (!same(original.imports, after.imports) || !same(original.exports, after.exports)) {
      throw new TransformCheckError(
        `${url}: transform changed the module's lists: imports ${JSON.stringify(original.imports)} -> ${JSON.stringify(after.imports)}, exports ${JSON.stringify(original.exports)} -> ${JSON.stringify(after.exports)}`,
      );
    }
  }
  return 'checked';
}

function nearestType(dir: string, root: string, cache: Map<string, string | undefined>): string | undefined {
  if (cache.has(dir)) return cache.get(dir);
  let type: string | undefined;
  const manifest = path.join(dir, 'package.json');
  if (fs.existsSync(manifest)) {
    try {
      const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: unknown };
      type = typeof parsed.type === 'string' ? parsed.type : 'none';
    } catch {
      type = 'none';
    }
  } else if (dir !== root && path.dirname(dir) !== dir) type = nearestType(path.dirname(dir), root, cache);
  cache.set(dir, type);
  return type;
}

function parsesAs(source: string, sourceType: 'script' | 'module'): boolean {
  try {
    parse(source, { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The ES module files below `packageDir` (its nested node_modules left out), as Node would decide their format:
 * `.mjs`; `.js` under `"type": "module"`; `.js` with no type in scope that fails as a script but parses as a module.
 */
export function esModuleFiles(packageDir: string): string[] {
  const found: string[] = [];
  const types = new Map<string, string | undefined>();
  const walk = (dir: string): void => {
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, dirent.name);
      if (dirent.isDirectory()) {
        if (dirent.name !== 'node_modules') walk(file);
        continue;
      }
      if (dirent.name.endsWith('.mjs')) found.push(file);
      else if (dirent.name.endsWith('.js')) {
        const type = nearestType(dir, packageDir, types) ?? 'none';
        if (type === 'module') found.push(file);
        else if (type === 'none') {
          const source = fs.readFileSync(file, 'utf8');
          if (/\b(import|export|await)\b/.test(source) && !parsesAs(source, 'script') && parsesAs(source, 'module')) {
            found.push(file);
          }
        }
      }
    }
  };
  walk(packageDir);
  return found.sort();
}
