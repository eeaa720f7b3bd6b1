/**
 * An oracle for the transform's list of exports a module may reassign: from a real parse (acorn) and a small scope
 * analysis, the exported names whose module-level binding the module itself writes. A new version's reassignments
 * reach importers only for the exports the transform lists, so every name found here must be in its list; names
 * it lists beyond these only cost speed.
 */
import * as acorn from 'acorn';

const PARSE_OPTIONS: acorn.Options = { sourceType: 'module', ecmaVersion: 'latest', allowHashBang: true };

type Kind = 'var' | 'let' | 'const' | 'function' | 'class' | 'import' | 'local';

class Scope {
  readonly names = new Map<string, Kind>();
  constructor(readonly parent: Scope | undefined) {}
  declare(name: string, kind: Kind): void {
    if (!this.names.has(name)) this.names.set(name, kind);
  }
}

function isNode(value: unknown): value is acorn.AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The nodes directly below `node`, in no particular order. */
function children(node: acorn.AnyNode): acorn.AnyNode[] {
  const found: acorn.AnyNode[] = [];
  for (const value of Object.values(node as unknown as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) found.push(item);
    } else if (isNode(value)) found.push(value);
  }
  return found;
}

/** The names a binding pattern declares. */
export function boundNames(pattern: acorn.Pattern | null | undefined, into: string[] = []): string[] {
  if (!pattern) return into;
  switch (pattern.type) {
    case 'Identifier':
      into.push(pattern.name);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        boundNames(property.type === 'RestElement' ? property.argument : property.value, into);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) boundNames(element, into);
      break;
    case 'RestElement':
      boundNames(pattern.argument, into);
      break;
    case 'AssignmentPattern':
      boundNames(pattern.left, into);
      break;
    default:
      break;
  }
  return into;
}

const isFunction = (node: acorn.AnyNode): boolean =>
  node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';

/** The `var` declarations of a function body (or the module, or a static block), not those of nested functions. */
function hoistedVars(node: acorn.AnyNode, into: acorn.VariableDeclaration[]): void {
  for (const child of children(node)) {
    if (isFunction(child) || child.type === 'StaticBlock') continue;
    if (child.type === 'VariableDeclaration' && child.kind === 'var') into.push(child);
    hoistedVars(child, into);
  }
}

/** Declares the lexical declarations directly in `statements` (in a module or function body, functions too). */
function declareLexical(scope: Scope, statements: readonly acorn.AnyNode[]): void {
  for (let statement of statements) {
    if (statement.type === 'ExportNamedDeclaration' && statement.declaration) statement = statement.declaration;
    if (statement.type === 'ExportDefaultDeclaration') {
      const declaration = statement.declaration;
      if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) {
        scope.declare(declaration.id.name, declaration.type === 'FunctionDeclaration' ? 'function' : 'class');
      }
      continue;
    }
    if (statement.type === 'VariableDeclaration' && statement.kind !== 'var') {
      const kind = statement.kind === 'const' ? 'const' : 'let';
      for (const declarator of statement.declarations)
        for (const name of boundNames(declarator.id)) scope.declare(name, kind);
    } else if (statement.type === 'FunctionDeclaration' && statement.id) scope.declare(statement.id.name, 'function');
    else if (statement.type === 'ClassDeclaration' && statement.id) scope.declare(statement.id.name, 'class');
    else if (statement.type === 'ImportDeclaration') {
      for (const specifier of statement.specifiers) scope.declare(specifier.local.name, 'import');
    }
  }
}

/**
 * The module-level bindings `source` writes after declaring them: assignments of every operator, `++`/`--`,
 * destructuring assignment targets, `for (… in/of …)` heads without a declaration, and a `var` declarator with an
 * initializer (or in a `for` head) for a name another module-level declaration already initialized.
 */
export function writtenModuleBindings(program: acorn.Program): { written: Set<string>; module: Scope } {
  const written = new Set<string>();
  const module = new Scope(undefined);
  const vars: acorn.VariableDeclaration[] = [];
  hoistedVars(program, vars);
  for (const statement of vars) {
    for (const declarator of statement.declarations)
      for (const name of boundNames(declarator.id)) module.declare(name, 'var');
  }
  declareLexical(module, program.body);

  const atModule = (name: string, scope: Scope): boolean => {
    for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) if (s.names.has(name)) return s === module;
    return false;
  };
  const write = (name: string, scope: Scope): void => {
    if (atModule(name, scope)) written.add(name);
  };
  const writeTargets = (target: acorn.AnyNode | null, scope: Scope): void => {
    if (!target) return;
    switch (target.type) {
      case 'Identifier':
        write(target.name, scope);
        break;
      case 'ObjectPattern':
        for (const property of target.properties) {
          writeTargets(property.type === 'RestElement' ? property.argument : property.value, scope);
        }
        break;
      case 'ArrayPattern':
        for (const element of target.elements) writeTargets(element, scope);
        break;
      case 'RestElement':
        writeTargets(target.argument, scope);
        break;
      case 'AssignmentPattern':
        writeTargets(target.left, scope);
        break;
      default:
        break;
    }
  };
  // Module-level `var` names initialized once already: a later initializer of the same name reassigns it.
  const initialized = new Set<string>();
  for (const statement of program.body) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (declaration?.type === 'FunctionDeclaration' && declaration.id) initialized.add(declaration.id.name);
  }
  const varDeclaration = (node: acorn.VariableDeclaration, scope: Scope, loopHead: boolean): void => {
    if (node.kind !== 'var') return;
    for (const declarator of node.declarations) {
      if (declarator.init === null && !loopHead) continue;
      for (const name of boundNames(declarator.id)) {
        if (!atModule(name, scope)) continue;
        if (loopHead || initialized.has(name)) written.add(name);
        initialized.add(name);
      }
    }
  };

  const visitFunction = (node: acorn.Function, scope: Scope): void => {
    let outer = scope;
    if (node.type === 'FunctionExpression' && node.id) {
      outer = new Scope(scope);
      outer.declare(node.id.name, 'local');
    }
    const inner = new Scope(outer);
    for (const param of node.params) for (const name of boundNames(param)) inner.declare(name, 'local');
    const body = node.body;
    if (body.type === 'BlockStatement') {
      const fnVars: acorn.VariableDeclaration[] = [];
      hoistedVars(body, fnVars);
      for (const statement of fnVars) {
        for (const declarator of statement.declarations) {
          for (const name of boundNames(declarator.id)) inner.declare(name, 'local');
        }
      }
      declareLexical(inner, body.body);
      for (const param of node.params) visit(param, inner);
      for (const statement of body.body) visit(statement, inner);
    } else {
      for (const param of node.params) visit(param, inner);
      visit(body, inner);
    }
  };

  const visit = (node: acorn.AnyNode, scope: Scope): void => {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(node, scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        // Inside the class, its name is a constant binding of its own.
        const inner = new Scope(scope);
        if (node.id) inner.declare(node.id.name, 'const');
        if (node.superClass) visit(node.superClass, inner);
        visit(node.body, inner);
        return;
      }
      case 'StaticBlock': {
        const inner = new Scope(scope);
        const blockVars: acorn.VariableDeclaration[] = [];
        hoistedVars(node, blockVars);
        for (const statement of blockVars) {
          for (const declarator of statement.declarations) {
            for (const name of boundNames(declarator.id)) inner.declare(name, 'local');
          }
        }
        declareLexical(inner, node.body);
        for (const statement of node.body) visit(statement, inner);
        return;
      }
      case 'BlockStatement': {
        const inner = new Scope(scope);
        declareLexical(inner, node.body);
        for (const statement of node.body) visit(statement, inner);
        return;
      }
      case 'SwitchStatement': {
        visit(node.discriminant, scope);
        const inner = new Scope(scope);
        declareLexical(
          inner,
          node.cases.flatMap((c) => c.consequent),
        );
        for (const c of node.cases) visit(c, inner);
        return;
      }
      case 'CatchClause': {
        const inner = new Scope(scope);
        for (const name of boundNames(node.param)) inner.declare(name, 'local');
        if (node.param) visit(node.param, inner);
        visit(node.body, inner);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(scope);
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head?.type === 'VariableDeclaration') {
          if (head.kind !== 'var') {
            for (const declarator of head.declarations) {
              for (const name of boundNames(declarator.id)) inner.declare(name, 'local');
            }
          } else if (node.type !== 'ForStatement') {
            varDeclaration(head, inner, true);
            for (const declarator of head.declarations) if (declarator.init) visit(declarator.init, inner);
            visit(node.right, inner);
            visit(node.body, inner);
            return;
          }
        } else if (head && node.type !== 'ForStatement') writeTargets(head, inner);
        for (const child of children(node)) visit(child, inner);
        return;
      }
      case 'VariableDeclaration':
        varDeclaration(node, scope, false);
        break;
      case 'AssignmentExpression':
        writeTargets(node.left, scope);
        break;
      case 'UpdateExpression':
        writeTargets(node.argument, scope);
        break;
      default:
        break;
    }
    for (const child of children(node)) visit(child, scope);
  };
  // The module's own initializers of `var` names, in source order, are the first ones.
  for (const statement of program.body) visit(statement, module);
  return { written, module };
}

/** A module's exported local bindings: export name to local name, for the bindings the module could write. */
export function exportedLocals(program: acorn.Program, module: Scope): Map<string, string> {
  const exported = new Map<string, string>();
  const add = (name: string, local: string): void => {
    const kind = module.names.get(local);
    if (kind === 'var' || kind === 'let' || kind === 'function' || kind === 'class') exported.set(name, local);
  };
  for (const node of program.body) {
    if (node.type === 'ExportNamedDeclaration' && !node.source) {
      const declaration = node.declaration;
      if (declaration?.type === 'VariableDeclaration') {
        for (const declarator of declaration.declarations)
          for (const name of boundNames(declarator.id)) add(name, name);
      } else if (declaration) add(declaration.id.name, declaration.id.name);
      for (const specifier of node.specifiers) {
        const local = specifier.local.type === 'Identifier' ? specifier.local.name : String(specifier.local.value);
        const name =
          specifier.exported.type === 'Identifier' ? specifier.exported.name : String(specifier.exported.value);
        add(name, local);
      }
    } else if (node.type === 'ExportDefaultDeclaration') {
      // `export default name` exports the value, not the binding: only a named declaration is a live binding.
      const declaration = node.declaration;
      if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) {
        add('default', declaration.id.name);
      }
    }
  }
  return exported;
}

/** The export names of `source` (an ES module) whose local binding the module reassigns, sorted. */
export function reassignedExports(source: string): string[] {
  const program = acorn.parse(source, PARSE_OPTIONS);
  const { written, module } = writtenModuleBindings(program);
  const names: string[] = [];
  for (const [name, local] of exportedLocals(program, module)) if (written.has(local)) names.push(name);
  return names.sort();
}

/** The export names the transform's registration lists as reassigned (its `m` field), from its output; sorted. */
export function listedReassigned(code: string): string[] {
  const at = code.lastIndexOf('?.register(');
  if (at === -1) return [];
  const call = acorn.parseExpressionAt(code, at + 2, PARSE_OPTIONS);
  if (call.type !== 'CallExpression') return [];
  const description = call.arguments[1];
  if (description?.type !== 'ObjectExpression') return [];
  for (const property of description.properties) {
    if (property.type !== 'Property' || property.key.type !== 'Identifier' || property.key.name !== 'm') continue;
    if (property.value.type !== 'ArrayExpression') return [];
    return property.value.elements.map((element) => (element?.type === 'Literal' ? String(element.value) : '')).sort();
  }
  return [];
}
