/**
 * The source transform that makes a module hot in place (SPEC §4): its own instance is its facade.
 *
 * One es-module-lexer pass finds the exports; a handful of small edits that keep every line
 * where it was:
 * - line 1 gains a registration that hands the runtime a setter and a getter of the exported local bindings, and
 *   sets `import.meta.hot`; a versioned instance (`?hz=N`) also waits there at a gate until the whole update links;
 * - `export const` (and a top-level `const` exported by a clause) becomes `let`, so the setter can reassign it;
 * - a default-exported expression gets a local binding (`let __hz$default =`), re-exported as `default`;
 * - every exported function declaration gets a one-comparison trampoline at the top of its body, so a reference
 *   captured before an update calls the newest version.
 * No export is added or removed: namespace keys stay exactly the native ones.
 */
import type { Export, Import } from 'es-module-lexer';
import { lex } from './lex.js';
import { classBodyStart, expressionEnd, functionBodyStart, topLevelConstDeclarations } from './scan.js';
import { SourceEdits } from './source-edits.js';

/** The global symbol under which the application thread's hot runtime is reachable from transformed modules. */
export const RUNTIME_SYMBOL = 'hotzip.runtime';

/** The local names the transform introduces; chosen to be unlikely in user code. */
const HANDLE = '__hz$';
const DEFAULT_LOCAL = '__hz$default';

/** What one static import or re-export of a module asks of its dependency: names, or '*' for the namespace. */
export type ImportedNames = readonly string[] | '*';

/** Options of one transform. */
export interface TransformOptions {
  /** Set for the instances an update loads (`?hz=N`): they wait at the gate before their body runs. */
  versioned: boolean;
  /** The module's URL as Node loads it (a new version's includes `?hz=N`). */
  url: string;
  /** When set, the result carries an inline source map naming this URL as its source. */
  sourceMapUrl?: string | undefined;
}

/** The transformed source (what the runtime needs rides in its line-1 registration). */
export interface TransformResult {
  code: string;
}

const LOCAL_DECLARATION = /export\s+(const\b|let\b|var\b|class\b|(?:async\s+)?function\b|default\b|\{)/y;
const DEFAULT_DECLARATION = /default\s+((?:async\s+)?function\b\s*\*?|class\b)\s*((?!extends\b)[\w$]*)/y;

function quote(value: string): string {
  return JSON.stringify(value);
}

/** The imported names of a static import or re-export statement, read from its clause. */
function importedNames(source: string, entry: Import): ImportedNames {
  const clause = source.slice(entry.importStart, entry.start - 1);
  if (/\*/.test(clause)) return '*';
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  if (braces?.[1] !== undefined) {
    for (const part of braces[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)[0]
        ?.replace(/^type\s+/, '')
        .replace(/^["']|["']$/g, '');
      if (name) names.push(name);
    }
  }
  const head = clause.replace(/\{[^}]*\}/, '').replace(/^(import|export)\s*/, '');
  if (/^[\w$]+\s*(,|from)/.test(head) && !head.startsWith('from')) names.push('default');
  return names;
}

interface Edits {
  magic: SourceEdits;
  mutable: string[];
  prefixExtra: string[];
  suffix: string[];
}

/**
 * The trampoline names its export by index into the registration's list of local exports (short: it is repeated
 * for every exported function). Generators and async functions cannot be constructed, so they skip `new.target`.
 */
function addTrampoline(source: string, edits: Edits, at: number, index: number): void {
  const brace = functionBodyStart(source, at);
  if (brace === -1) return;
  const head = source.slice(at, brace);
  const generator = /function\s*\*/.test(head);
  const constructible = !generator && !/^async\b/.test(head);
  const call = `${HANDLE}.t(${index},this,arguments${constructible ? ',new.target' : ''})`;
  edits.magic.insert(brace + 1, `if(${HANDLE}?.m)return ${generator ? 'yield*' : ''}${call};`);
}

/** Rewrites one `export default …` statement at `at` (the `export` keyword) and returns its local name. */
function rewriteDefault(source: string, edits: Edits, at: number, afterExport: number, index: number): string {
  DEFAULT_DECLARATION.lastIndex = afterExport;
  const declaration = DEFAULT_DECLARATION.exec(source);
  const keyword = declaration?.[1];
  const named = declaration?.[2];
  if (declaration !== null && keyword !== undefined) {
    const keywordEnd = afterExport + declaration[0].length - (named?.length ?? 0);
    if (named) {
      if (keyword.startsWith('class')) return named;
      addTrampoline(source, edits, keywordEnd - keyword.length, index);
      return named;
    }
    // Anonymous declarations get a name; the name property is set back to "default" as Node would have it.
    edits.magic.insert(keywordEnd, ` ${DEFAULT_LOCAL} `);
    const fixName = `Object.defineProperty(${DEFAULT_LOCAL},'name',{value:'default'});`;
    if (keyword.startsWith('class')) {
      const body = classBodyStart(source, keywordEnd);
      // A static `name` method is defined before static blocks run: only the name the class got from us changes.
      const fixClassName = `static{if(Object.getOwnPropertyDescriptor(this,'name')?.value===${quote(DEFAULT_LOCAL)})Object.defineProperty(this,'name',{value:'default'})}`;
      if (body !== -1) edits.magic.insert(body + 1, fixClassName);
    } else {
      edits.prefixExtra.push(fixName);
      addTrampoline(source, edits, keywordEnd - keyword.length, index);
    }
    return DEFAULT_LOCAL;
  }
  // `export default <expression>`: a local binding. Wrapped as `({default: EXPR}).default`, an anonymous function or
  // class is named "default" by the language itself, as it is natively.
  const defaultKeyword = source.indexOf('default', afterExport);
  const expressionStart = defaultKeyword + 'default'.length;
  const end = expressionEnd(source, expressionStart);
  edits.suffix.push(`export{${DEFAULT_LOCAL} as default};`);
  if (end !== undefined) {
    edits.magic.overwrite(at, expressionStart, `let ${DEFAULT_LOCAL}=({default:`);
    edits.magic.insert(end.at, end.semicolon ? '}).default' : '}).default;');
    return DEFAULT_LOCAL;
  }
  edits.magic.overwrite(at, expressionStart, `let ${DEFAULT_LOCAL} =`);
  edits.suffix.push(
    `if(typeof ${DEFAULT_LOCAL}==='function'&&${DEFAULT_LOCAL}.name===${quote(DEFAULT_LOCAL)})Object.defineProperty(${DEFAULT_LOCAL},'name',{value:'default'});`,
  );
  return DEFAULT_LOCAL;
}

/** An exported local binding: export name, local name, and whether the module may reassign it. */
type Binding = [name: string, local: string, mutable: boolean];

/** `name =`, `name +=` (and the other compound forms), `name++`, `name--`, `++name`, `--name`; not `a.name =`. */
const ASSIGNMENT =
  /(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?:(?:\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])|\+\+|--)|(?:\+\+|--)\s*([A-Za-z_$][\w$]*)/g;

/**
 * Where each identifier is assigned, in one pass over the source: only exports assigned other than at their
 * declaration need copying into the live bindings after each call into a newer version. Text in strings or
 * comments can only make an export look reassigned, which costs time, never correctness.
 */
function assignments(source: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const match of source.matchAll(ASSIGNMENT)) {
    const name = match[1] ?? match[2];
    if (name === undefined) continue;
    const at = match[1] === undefined ? match.index + match[0].length - name.length : match.index;
    const list = found.get(name);
    if (list === undefined) found.set(name, [at]);
    else list.push(at);
  }
  return found;
}

function localExports(source: string, exports: readonly Export[], edits: Edits): Binding[] {
  const bindings: Binding[] = [];
  let assigned: Map<string, number[]> | undefined;
  const reassigned = (local: string, declaredAt: number): boolean => {
    assigned ??= assignments(source);
    return assigned.get(local)?.some((at) => at !== declaredAt) ?? false;
  };
  const statements = new Map<number, string>();
  const clauseLocals = new Set<string>();
  for (const entry of exports) {
    if (entry.type !== 'direct') continue;
    let kind = statements.get(entry.exportStart);
    if (kind === undefined) {
      LOCAL_DECLARATION.lastIndex = entry.exportStart;
      const match = LOCAL_DECLARATION.exec(source);
      kind = match?.[1] ?? '';
      statements.set(entry.exportStart, kind);
      const keywordAt = entry.exportStart + (match?.[0].length ?? 0) - kind.length;
      if (kind === 'const') edits.magic.overwrite(keywordAt, keywordAt + 5, 'let  ');
      if (kind === 'default' && bindings.some(([name]) => name === 'default')) {
        // A second `export default` is a SyntaxError: leave it for Node to report in its own words.
        continue;
      }
      if (kind === 'default') {
        const local = rewriteDefault(source, edits, entry.exportStart, keywordAt, bindings.length);
        // A default function may reassign its own name (`fn = 2`); a default expression's binding is ours alone.
        bindings.push(['default', local, local !== DEFAULT_LOCAL && reassigned(local, entry.localStart)]);
        continue;
      }
      if (kind.endsWith('function') && entry.localName !== undefined) {
        addTrampoline(source, edits, keywordAt, bindings.length);
      }
    }
    if (kind === 'default') continue;
    const local = entry.localName ?? entry.name;
    if (kind === '{') clauseLocals.add(local);
    // Function and class declarations are reassignable bindings too, though rarely reassigned.
    const mayChange = kind !== 'const';
    bindings.push([entry.name, local, mayChange && reassigned(local, entry.localStart)]);
  }
  for (const [, at] of topLevelConstDeclarations(source, clauseLocals)) {
    edits.magic.overwrite(at, at + 5, 'let  ');
  }
  return bindings;
}

/** Where line 1's registration goes: after a hashbang line, which must stay first. */
function prefixPosition(source: string): number {
  if (!source.startsWith('#!')) return 0;
  const newline = source.indexOf('\n');
  return newline === -1 ? source.length : newline + 1;
}

/**
 * Makes `source` (an ES module) hot-replaceable in place. Throws the lexer's SyntaxError for sources it cannot
 * lex; callers then serve the source untouched so that Node reports the real syntax error.
 */
export function transformModule(source: string, options: TransformOptions): TransformResult {
  const [imports, exports] = lex(source);
  const edits: Edits = {
    magic: new SourceEdits(source),
    mutable: [],
    prefixExtra: [],
    suffix: [],
  };
  const bindings = localExports(source, exports, edits);
  // Local exports as `name` or `name=local`; the runtime assigns them through the module's own eval, so the
  // registration stays a few bytes per export instead of a setter and a getter spelled out per binding.
  const locals = bindings.map(([name, local]) => (name === local ? name : `${name}=${local}`));
  for (const [name, , mutable] of bindings) if (mutable) edits.mutable.push(name);
  const dependencies: string[] = [];
  for (const entry of imports) {
    if (entry.type !== 'static' && entry.type !== 'reexport-star') continue;
    dependencies.push(`[${quote(entry.specifier)},${JSON.stringify(importedNames(source, entry))}]`);
  }
  const reexports = exports
    .filter((entry) => entry.type !== 'direct')
    .map((entry) => (entry.type === 'reexport-all' ? `*:${entry.from}` : `${entry.name}:${entry.from}`))
    .join(',');
  const description = [
    `e:(${HANDLE}c,${HANDLE}v)=>eval(${HANDLE}c)`,
    `l:${quote(locals.join(','))}`,
    `m:${JSON.stringify(edits.mutable)}`,
    `i:[${dependencies.join(',')}]`,
    `r:${quote(reexports)}`,
    `h:${imports.some((entry) => entry.type === 'import-meta') ? 1 : 0}`,
  ].join(',');
  let prefix = `var ${HANDLE}=globalThis[Symbol.for(${quote(RUNTIME_SYMBOL)})]?.register(${quote(options.url)},()=>import.meta,{${description}})??{m:0};`;
  prefix += edits.prefixExtra.join('');
  if (options.versioned) prefix += `if(${HANDLE}.g)await ${HANDLE}.g;`;
  edits.magic.insert(prefixPosition(source), prefix);
  if (edits.suffix.length > 0) edits.magic.append(`\n${edits.suffix.join('')}`);
  const code =
    options.sourceMapUrl === undefined ? edits.magic.toString() : edits.magic.toStringWithMap(options.sourceMapUrl);
  return { code };
}
