/**
 * The source transform that makes a module hot in place: its own instance is its facade.
 *
 * One es-module-lexer pass finds the exports; a handful of small edits that keep every line where it was and, in
 * almost all code, every column (so that stack traces need no source map):
 * - a registration hands the runtime the module's exported local bindings (through a closure of its own `eval`) and
 *   sets `import.meta.hot`; it goes among the leading imports and comments, or at the end (see transformModule);
 * - a `const` declaring an exported name becomes `let  `, so the runtime can reassign it, unless the module writes
 *   one of its names: then it stays `const` and is exported through aliases (see keepConstsConstant);
 * - a default-exported expression gets a local binding as wide as `export default `, re-exported as `default`;
 * - every exported function, whatever its shape, gets a one-comparison trampoline (see ./trampoline.ts), so a
 *   reference captured before an update calls the newest version.
 * No export is added or removed: namespace keys stay exactly the native ones.
 */
import type { Export, Import } from 'es-module-lexer';
import type { RawDescription } from '../hot/description.js';
import {
  type Declaration,
  type Declarator,
  nextCode,
  topLevelDeclarations,
  type VariableStatement,
  variableStatement,
  Writes,
  wordAt,
} from './declarations.js';
import { lex } from './lex.js';
import { classBodyStart, expressionEnd, isSpaceCode, skipBalanced, unescapeName } from './scan.js';
import { SourceEdits } from './source-edits.js';
import {
  addArrowTrampoline,
  addFunctionTrampoline,
  declaredPrefix,
  functionExpressionAt,
  type Guard,
  HANDLE,
  handleName,
  modeCondition,
  modeGlobal,
  spelledText,
} from './trampoline.js';

export { modeGlobal };

/**
 * The registration format: what transformed modules hand the runtime (../hot/description.ts), and what one install of
 * hotzip calls on another's runtime in the same thread (`reload`, `on`, `off`). Raise it with any change to either:
 * installs of different formats then refuse to share a thread (../load/thread-claim.ts). Format 1 was never numbered.
 */
export const REGISTRATION_FORMAT = 2;

/**
 * The global symbol under which the application thread's hot runtime is reachable from transformed modules. It names
 * the format, so that code written for one format never finds a runtime of another: such a module is simply not hot.
 */
export const RUNTIME_SYMBOL = `hotzip.runtime.${REGISTRATION_FORMAT}`;

/** The local names the transform introduces (with ./trampoline.ts's); chosen to be unlikely in user code. */

/** What one static import or re-export of a module asks of its dependency: names, or '*' for the namespace. */
export type ImportedNames = readonly string[] | '*';

/** Options of one transform. */
export interface TransformOptions {
  /** The module's URL as Node loads it (a new version's includes `?hz=N`). */
  url: string;
  /**
   * A new version of a loaded module: the runtime copies the exports it reassigns into the live bindings, so they
   * are listed. A first instance's importers link to its own bindings and see its reassignments natively: its list
   * would never be read, and skipping the whole-source scan for it is a third of the transform's time.
   */
  versioned?: boolean;
  /**
   * A new version no importer will link to: the update reads its bindings and never assigns them, so it carries no
   * accessor, however many exports it has.
   */
  unlinked?: boolean;
  /**
   * When set, a result whose edits move code to other columns carries an inline source map naming this URL as its
   * source (the edits never move lines, and most move no column either: those need no map).
   */
  sourceMapUrl?: string | undefined;
  /**
   * The instance's mode global (see modeGlobal) exists and will not go away: the trampolines may read it by its bare
   * name. Only a load hook running in the module's own thread can make it so, before the module compiles.
   */
  modeDefined?: boolean;
  /**
   * A new version awaits its update's go-ahead in its own body, before its registration, instead of through a gate
   * module of its own: a second module record, job and compiled body kept for good by every update. Only for a
   * version whose graph holds no other gated module (its own await would wait for theirs, and theirs for its).
   */
  inlineGate?: boolean;
  /**
   * A new version's predecessor's list of local exports (its registration's `l`): a version with the same list
   * leaves it out, and the runtime hands it that same string.
   */
  layout?: string | undefined;
}

/** The transformed source (what the runtime needs rides in its line-1 registration). */
export interface TransformResult {
  code: string;
  /** The version awaits its go-ahead in its body (see TransformOptions.inlineGate); else it needs a gate module. */
  gatedInline?: boolean;
}

/** Space between keywords: white space and comments. */
const GAP = String.raw`(?:\s|/\*[\s\S]*?\*/|//[^\n\r\u2028\u2029]*)+`;
/** Space that holds no line break (`async` and `function` must share a line). */
const INLINE_GAP = String.raw`(?:[^\S\n\r\u2028\u2029]|/\*(?:(?!\*/)[^\n\r\u2028\u2029])*\*/)+`;
/** A `\u` escape, which may spell any character of an identifier. */
const ESCAPE = String.raw`\\u(?:\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})`;
/** An identifier, ASCII or not, its characters possibly spelled with escapes. */
const IDENTIFIER = String.raw`(?:[\p{ID_Start}$_]|${ESCAPE})(?:[\p{ID_Continue}$\u200c\u200d]|${ESCAPE})*`;
/** The end of a keyword: no identifier character follows. */
const KEYWORD_END = String.raw`(?![\p{ID_Continue}$\u200c\u200d])`;

const DEFAULT_DECLARATION = new RegExp(
  `default${GAP}((?:async${INLINE_GAP})?function${KEYWORD_END}\\s*\\*?|class${KEYWORD_END})\\s*((?!extends${KEYWORD_END})${IDENTIFIER})?`,
  'duy',
);

const COMMENT = /\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*/g;
/** `name from` or `name,` at the start of an import clause: a default import. */
const DEFAULT_IMPORT = new RegExp(`^${IDENTIFIER}\\s*(,|from)`, 'u');

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * The imported names of a static import or re-export statement, read from its clause (the registration carries
 * them, and an update's preview reads the new source the same way, so the runtime can compare the two).
 */
export function importedNames(source: string, entry: Import): ImportedNames {
  // Comments in the clause are not names (a string name holding `/*` is left to a wrong, never unsafe, list).
  const clause = source.slice(entry.importStart, entry.start - 1).replace(COMMENT, ' ');
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
      // A name spelled with escapes (an identifier, or a string) is the name they denote.
      if (name) names.push(unescapeName(name));
    }
  }
  const head = clause.replace(/\{[^}]*\}/, '').replace(/^(import|export)\s*/, '');
  if (DEFAULT_IMPORT.test(head) && !/^from\s*['"]/.test(head)) names.push('default');
  return names;
}

interface Edits {
  magic: SourceEdits;
  /** The source with its `\u` escapes decoded (see spelledText): what the names the transform adds must avoid. */
  spelled: string;
  /**
   * The trampolines' test of the instance's mode global (see modeCondition), the handle they call, and the prefix
   * of every name the transform declares in this module (see declaredPrefix).
   */
  condition: Guard;
  /** The binding an anonymous default declaration or a default expression gets when no short one fits. */
  defaultLocal: string;
  /** How the inserted code names `Object`: the module may bind that name itself. */
  object: string;
  mutable: string[];
  prefixExtra: string[];
  suffix: string[];
}

/**
 * `text` padded with spaces to the length of `[start, end)`, when it fits there without covering a line break: the
 * replacement then leaves every following character in its column.
 */
function fitted(source: string, start: number, end: number, text: string): string | undefined {
  const room = end - start;
  if (text.length > room) return undefined;
  for (let i = start; i < end; i++) if (source.charCodeAt(i) === 10) return undefined;
  return text + ' '.repeat(room - text.length);
}

/**
 * One-character names for a default expression's binding: `let X={default:` must fit where `export default ` was
 * (15 characters). These Latin-1 letters are valid identifiers that almost never appear in code, and keep an ASCII
 * source one byte per character in V8 (a letter past U+00FF would double the memory of the module's source text);
 * a module that uses all of them gets the long name and a moved column.
 */
const SHORT_DEFAULT_LOCALS = ['ª', 'º', 'þ', 'ð'];

/**
 * Rewrites one `export default …` statement at `at` (the `export` keyword) and returns its local name, and, for
 * `export default name`, the name (whose function, if it is one, gets the default's trampoline).
 */
function rewriteDefault(
  source: string,
  edits: Edits,
  at: number,
  afterExport: number,
  index: number,
): { local: string; refers?: string; brace?: number } {
  DEFAULT_DECLARATION.lastIndex = afterExport;
  const declaration = DEFAULT_DECLARATION.exec(source);
  const keyword = declaration?.[1];
  const named = declaration?.[2];
  const keywordSpan = declaration?.indices?.[1];
  if (declaration !== null && keyword !== undefined && keywordSpan !== undefined) {
    // Where a name goes: past the keyword (and any `*` and blanks).
    const keywordEnd = declaration.indices?.[2]?.[0] ?? afterExport + declaration[0].length;
    const keywordStart = keywordSpan[0];
    const isClass = keyword.startsWith('class');
    if (named) {
      if (isClass) return { local: named };
      return {
        local: named,
        brace: addFunctionTrampoline(source, edits.magic, keywordStart, index, edits.condition, named),
      };
    }
    // An anonymous class takes the expression's form, which a class declaration (never hoisted) is equivalent to:
    // named by its place in an object literal, it is "default" to V8 itself, which names its instances' method
    // frames (`default.method`) after its own name, not after the `name` property a renamed one would have set back.
    const body = isClass ? classBodyStart(source, keywordEnd) : -1;
    if (body !== -1) {
      return {
        local: wrapDefault(source, edits, at, afterExport, { at: skipBalanced(source, body), semicolon: false }),
      };
    }
    // Anonymous functions get a name, exported as default from a clause: `export default function (` becomes
    // `function __hz$default  (`, same length (a function declaration is hoisted: it stays one). The name property is
    // set back to "default" as Node would have it.
    const keywordText = keyword.trimEnd();
    const replacement = fitted(source, at, keywordStart + keywordText.length, `${keywordText} ${edits.defaultLocal}`);
    if (replacement !== undefined) {
      edits.magic.overwrite(at, keywordStart + keywordText.length, replacement);
      edits.suffix.push(`export{${edits.defaultLocal} as default};`);
    } else {
      edits.magic.insert(keywordEnd, ` ${edits.defaultLocal} `);
    }
    if (!isClass) {
      edits.prefixExtra.push(`${edits.object}.defineProperty(${edits.defaultLocal},'name',{value:'default'});`);
      addFunctionTrampoline(source, edits.magic, keywordStart, index, edits.condition, 'default');
    }
    return { local: edits.defaultLocal };
  }
  // `export default <expression>`: a local binding. Wrapped as `{default: EXPR}.default`, an anonymous function or
  // class is named "default" by the language itself, as it is natively.
  const defaultKeyword = source.indexOf('default', afterExport);
  const expressionStart = defaultKeyword + 'default'.length;
  const end = expressionEnd(source, expressionStart);
  if (end !== undefined) {
    let refers: string | undefined;
    const local = wrapDefault(source, edits, at, afterExport, end, (start) => {
      // A function or arrow function gets its trampoline.
      if (functionExpressionAt(source, start)) {
        addFunctionTrampoline(source, edits.magic, start, index, edits.condition, 'default');
      } else if (addArrowTrampoline(source, edits.magic, start, index, 'default', edits.condition) === undefined) {
        const word = wordAt(source, start);
        if (word !== '' && nextCode(source, start + word.length) >= end.at) refers = word;
      }
    });
    return refers === undefined ? { local } : { local, refers };
  }
  edits.suffix.push(`export{${edits.defaultLocal} as default};`);
  edits.magic.overwrite(at, expressionStart, `let ${edits.defaultLocal} =`);
  edits.suffix.push(
    `if(typeof ${edits.defaultLocal}==='function'&&${edits.defaultLocal}.name===${quote(edits.defaultLocal)})${edits.object}.defineProperty(${edits.defaultLocal},'name',{value:'default'});`,
  );
  return { local: edits.defaultLocal };
}

/**
 * Rewrites `export default <expression>` at `at`, the expression ending at `end`, as a local binding wrapped as
 * `{default: EXPR}.default` (an anonymous function or class is then named "default" by the language itself, as it
 * is natively), exported as default from a clause; returns the binding's name. `edit` makes the expression's own
 * edits, given where it starts: between the wrapper's, in source order, so that its closing text precedes the
 * wrapper's.
 */
function wrapDefault(
  source: string,
  edits: Edits,
  at: number,
  afterExport: number,
  end: { at: number; semicolon: boolean },
  edit?: (start: number) => void,
): string {
  let expressionStart = source.indexOf('default', afterExport) + 'default'.length;
  while (source[expressionStart] === ' ' || source[expressionStart] === '\t') expressionStart++;
  const short = SHORT_DEFAULT_LOCALS.find((name) => !edits.spelled.includes(name));
  const replacement = short === undefined ? undefined : fitted(source, at, expressionStart, `let ${short}={default:`);
  // Without room (a line break after `default`) or a free short name: the long name, and the line's columns move.
  const [local, open, close] =
    short !== undefined && replacement !== undefined
      ? [short, replacement, '}.default']
      : [edits.defaultLocal, `let ${edits.defaultLocal}=({default:`, '}).default'];
  edits.magic.overwrite(at, expressionStart, open);
  edit?.(expressionStart);
  edits.magic.insert(end.at, end.semicolon ? close : `${close};`);
  edits.suffix.push(`export{${local} as default};`);
  return local;
}

/**
 * The exported local bindings, in parallel arrays by binding index (no object per export: a module may have tens of
 * thousands): export name, local name, and whether the module may reassign it.
 */
interface Bindings {
  names: string[];
  locals: string[];
  mutable: boolean[];
  /** The binding indexes whose function the module keeps in an OWN variable (see ownCapture). */
  owned: number[];
  /**
   * The OWN variables of function declarations, in parallel arrays: the assignment, and where it goes should the
   * registration come last (see transformModule).
   */
  hoistedCaptures: string[];
  hoistedAt: number[];
}

/** A `const` statement that declares exported bindings, and which of them (binding index, clause entry if any). */
interface ExportedConst {
  statement: VariableStatement;
  /** The statement's end, read only when needed (for an `export const`, whose declarators come from the lexer). */
  end: () => VariableStatement['end'];
  /** Where `export` is, for `export const`; -1 when exported by clauses. */
  exportAt: number;
  /** The binding index of each use, and its clause entry if any, in parallel arrays. */
  useBindings: number[];
  useClauses: Array<DirectExport | undefined>;
}

/** An export statement as the transform reads it: its keyword, and for `const`/`let`/`var` its declarators. */
interface ExportStatement {
  kind: string;
  keywordAt: number;
  variables?: VariableStatement;
}

type DirectExport = Extract<Export, { type: 'direct' }>;

/**
 * The prefix of the variables in which a newer version keeps the functions carrying its trampolines, by binding
 * index, when the module may reassign their exports: the binding may then hold another function (a wrapper of the
 * saved original, say) when the trampoline asks the runtime to run its own body.
 */
const OWN = 'o';

/** The infix of the `let` aliases through which a `const` the module assigns is exported (after the prefix). */
const ALIAS = 'c';

/**
 * Whether a character code can start a function, an arrow function (`(`, `async`, a parameter name) or an alias:
 * `[A-Za-z_$(\u0080-\uffff]`.
 */
function startsFunction(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    code === 95 ||
    code === 36 ||
    code === 40 ||
    (code >= 0x80 && code <= 0xffff)
  );
}

/**
 * The declarator of name `local` at `[start, end)` in an `export const`/`let`/`var`: a plain `name = …` has its
 * initializer found right after the name; a name inside a pattern has none (`{ a } = …`, `[a] = …`).
 */
function exportedDeclarator(source: string, start: number, end: number, local: string): Declarator {
  const name = unescapeName(local);
  const declarator: Declarator = { names: [name], simple: name, binding: [start, end], init: -1, initEnd: -1 };
  const next = nextCode(source, end);
  if (source[next] === '=' && source[next + 1] !== '=' && source[next + 1] !== '>') {
    declarator.init = nextCode(source, next + 1);
  }
  return declarator;
}

/**
 * The transform's view of the module's exported local bindings: makes them assignable by the runtime, keeps
 * `const` constant, and gives every exported function a trampoline.
 */
function localExports(source: string, exports: readonly Export[], edits: Edits, versioned: boolean): Bindings {
  const bindings: Bindings = { names: [], locals: [], mutable: [], owned: [], hoistedCaptures: [], hoistedAt: [] };
  const names = bindings.names;
  const locals = bindings.locals;
  const writes = new Writes(source);
  let declarations: Map<string, Declaration> | undefined;
  const declared = (name: string): Declaration | undefined => {
    declarations ??= topLevelDeclarations(source);
    // By the name it denotes: a local spelled with escapes (`export { \u0061b }`) is the binding `ab`.
    return declarations.get(unescapeName(name));
  };
  // Each statement's declared ranges, built once it has all its declarators: per export, a statement declaring
  // thousands of names would cost the square of their number.
  const statementRanges = new Map<VariableStatement, Array<[number, number]>>();
  const rangesOf = (statement: VariableStatement): Array<[number, number]> => {
    let ranges = statementRanges.get(statement);
    if (ranges === undefined) {
      ranges = statement.declarators.map((declarator) => declarator.binding);
      statementRanges.set(statement, ranges);
    }
    return ranges;
  };
  // Only a newer version's reassigned exports are copied into the live bindings (see TransformOptions.versioned);
  // they are looked for once every export statement has all its declarators.
  // In parallel arrays, one entry per binding: by binding index, the statement declaring it (whose declarators are
  // its declared ranges) or else its own range (`start` -1: none).
  const reassignBinding: number[] = [];
  const reassignStatement: Array<VariableStatement | undefined> = [];
  const reassignStart: number[] = [];
  const reassignEnd: number[] = [];
  // Whether it is a `var`, which a module-level `var` declarator with a value writes again.
  const reassignVar: boolean[] = [];
  const trampolined = new Set<number>();
  // A newer version's trampolined functions, in parallel arrays: binding index, the name declared with the function,
  // and where that declaration is (a function declaration's body `{`, else its variable statement). Those whose
  // export the module may reassign are kept as declared (see ownCapture).
  const ownIndex: number[] = [];
  const ownName: string[] = [];
  const ownBrace: number[] = [];
  const ownStatement: Array<VariableStatement | undefined> = [];
  const own = (index: number, name: string, brace: number, statement: VariableStatement | undefined): void => {
    if (!versioned) return;
    ownIndex.push(index);
    ownName.push(name);
    ownBrace.push(brace);
    ownStatement.push(statement);
  };
  /** The trampoline of the function declared at `at` as `name`, export `index` (none twice for one function). */
  const functionTrampoline = (at: number, index: number, name: string): void => {
    if (!startsFunction(source.charCodeAt(at)) || trampolined.has(at)) return;
    trampolined.add(at);
    const brace = addFunctionTrampoline(source, edits.magic, at, index, edits.condition, name);
    if (brace !== -1) own(index, name, brace, undefined);
  };
  /**
   * A trampoline for the function an exported binding holds from its declaration; for a binding exported by a
   * clause or `export default name`, following a few plain aliases (`var src_default = handler;`, as bundlers write
   * a default export: those modules have had their declarations read already).
   */
  const trampoline = (declaration: Declaration | undefined, local: string, index: number, hops = 0): void => {
    if (declaration?.type === 'function') {
      if (declaration.at !== -1) functionTrampoline(declaration.at, index, local);
    } else if (declaration !== undefined) {
      declaratorTrampoline(declaration.declarator, declaration.statement, local, index, hops);
    }
  };
  /** trampoline, for a binding declared by `declarator` of `statement`. */
  const declaratorTrampoline = (
    declarator: Declarator,
    statement: VariableStatement,
    local: string,
    index: number,
    hops = 0,
  ): void => {
    if (declarator.simple !== unescapeName(local)) return;
    const at = declarator.init;
    if (at !== -1 && declarations !== undefined && hops < 4) {
      const word = wordAt(source, at);
      if (word !== '' && at + word.length === declarator.initEnd && unescapeName(word) !== unescapeName(local)) {
        trampoline(declarations.get(unescapeName(word)), word, index, hops + 1);
        return;
      }
    }
    // Only a function, an arrow function or a name starts so: skip literals without reading further.
    if (at === -1 || !startsFunction(source.charCodeAt(at)) || trampolined.has(at)) return;
    trampolined.add(at);
    const added = functionExpressionAt(source, at)
      ? addFunctionTrampoline(source, edits.magic, at, index, edits.condition, local) !== -1
      : addArrowTrampoline(source, edits.magic, at, index, local, edits.condition) !== undefined;
    if (added) own(index, local, -1, statement);
  };
  const consts = new Map<number, ExportedConst>();
  // The last one found: a statement's declarators come one after another.
  let lastConst: ExportedConst | undefined;
  const exportedConst = (statement: VariableStatement, exportAt: number): ExportedConst => {
    if (lastConst?.statement.keyword === statement.keyword) return lastConst;
    let found = consts.get(statement.keyword);
    if (found === undefined) {
      const end = (): VariableStatement['end'] =>
        exportAt === -1 ? statement.end : variableStatement(source, statement.keyword)?.end;
      found = { statement, exportAt, useBindings: [], useClauses: [], end };
      consts.set(statement.keyword, found);
    }
    lastConst = found;
    return found;
  };
  // The export statements by where they start. The lexer lists exports in source order, so an entry's statement is
  // the last one seen or a new one: the map is built only should an entry come out of order.
  const starts: number[] = [];
  const seen: ExportStatement[] = [];
  let furthest = -1;
  let byStart: Map<number, ExportStatement> | undefined;
  const statementAt = (start: number): ExportStatement | undefined => {
    if (start > furthest) return undefined;
    if (starts[starts.length - 1] === start) return seen[seen.length - 1];
    if (byStart === undefined) {
      byStart = new Map();
      for (let i = 0; i < starts.length; i++) byStart.set(starts[i] as number, seen[i] as ExportStatement);
    }
    return byStart.get(start);
  };
  // Loops over every export are indexed: a module may have tens of thousands, and this code runs mostly before
  // it is optimized, where an iterator costs objects and calls per element.
  for (let e = 0; e < exports.length; e++) {
    const entry = exports[e] as Export;
    if (entry.type !== 'direct') continue;
    let statement = statementAt(entry.exportStart);
    if (statement === undefined) {
      const keywordAt = nextCode(source, entry.exportStart + 'export'.length);
      const word = wordAt(source, keywordAt);
      const kind = source[keywordAt] === '{' ? '{' : word === 'async' ? 'function' : word;
      statement = { kind, keywordAt };
      // Every name an `export const`/`let`/`var` declares is exported: its declarators are read from the lexer's
      // entries as they come, and the statement's end only if it is ever needed (the cold path stays short).
      if (kind === 'const' || kind === 'let' || kind === 'var') {
        statement.variables = { kind, keyword: keywordAt, declarators: [], end: undefined };
      }
      starts.push(entry.exportStart);
      seen.push(statement);
      byStart?.set(entry.exportStart, statement);
      furthest = Math.max(furthest, entry.exportStart);
      if (kind === 'default') {
        if (names.includes('default')) {
          // A second `export default` is a SyntaxError: leave it for Node to report in its own words.
          continue;
        }
        const index = names.length;
        const { local, refers, brace } = rewriteDefault(source, edits, entry.exportStart, keywordAt, index);
        if (brace !== undefined && brace !== -1) own(index, local, brace, undefined);
        // A default function may reassign its own name (`fn = 2`); a default expression's binding is ours alone.
        if (versioned && local !== edits.defaultLocal) {
          reassignBinding.push(index);
          reassignStatement.push(undefined);
          reassignStart.push(-1);
          reassignEnd.push(-1);
          reassignVar.push(false);
        }
        names.push('default');
        locals.push(local);
        if (refers !== undefined) trampoline(declared(refers), refers, index);
        continue;
      }
      if (kind === 'function' && entry.localName !== undefined) {
        functionTrampoline(keywordAt, names.length, entry.localName);
      }
    }
    if (statement.kind === 'default') continue;
    const local = entry.localName ?? entry.name;
    const index = names.length;
    // The statement declaring the binding, when a variable statement does (no object per export for it).
    let variables: VariableStatement | undefined;
    let exportAt = entry.exportStart;
    if (statement.variables !== undefined) {
      const declarator = exportedDeclarator(source, entry.localStart, entry.localEnd, local);
      statement.variables.declarators.push(declarator);
      variables = statement.variables;
      declaratorTrampoline(declarator, variables, local, index);
    } else if (statement.kind === '{') {
      const declaration = declared(local);
      if (declaration?.type === 'variable') variables = declaration.statement;
      exportAt = -1;
      trampoline(declaration, local, index);
    }
    const isConst = variables?.kind === 'const';
    if (variables !== undefined && isConst) {
      const constant = exportedConst(variables, exportAt);
      constant.useBindings.push(index);
      constant.useClauses.push(exportAt === -1 ? entry : undefined);
    }
    // Function and class declarations are reassignable bindings too, though rarely reassigned.
    if (versioned && !isConst) {
      reassignBinding.push(index);
      reassignVar.push(variables?.kind === 'var');
      if (variables !== undefined) {
        reassignStatement.push(variables);
        reassignStart.push(-1);
        reassignEnd.push(-1);
      } else {
        reassignStatement.push(undefined);
        reassignStart.push(entry.localStart);
        reassignEnd.push(entry.localEnd);
      }
    }
    names.push(exportName(source, entry));
    locals.push(local);
  }
  const mutable: boolean[] = new Array(names.length).fill(false);
  bindings.mutable = mutable;
  // The names asked about (repeats are harmless): an array, as a set would hash each of them.
  const asked: string[] = [];
  // Where the statements the questions pass as declared ranges declare a plain name: a declaration is no write, and
  // the scan skips them without copying the name out (a large module mentions most exports only there).
  const declaredAt: number[] = [];
  const listed = new Set<VariableStatement>();
  const listDeclarations = (statement: VariableStatement): void => {
    if (listed.has(statement)) return;
    listed.add(statement);
    const declarators = statement.declarators;
    for (let d = 0; d < declarators.length; d++) {
      const declarator = declarators[d] as Declarator;
      if (declarator.simple !== undefined) declaredAt.push(declarator.binding[0]);
    }
  };
  for (let k = 0; k < reassignBinding.length; k++) {
    asked.push(unescapeName(locals[reassignBinding[k] as number] ?? ''));
    const statement = reassignStatement[k];
    if (statement !== undefined) listDeclarations(statement);
  }
  for (const { statement } of consts.values()) {
    const declarators = statement.declarators;
    for (let d = 0; d < declarators.length; d++) {
      const declared = (declarators[d] as Declarator).names;
      for (let n = 0; n < declared.length; n++) asked.push(declared[n] as string);
    }
    listDeclarations(statement);
  }
  writes.expect(asked, inOrder(declaredAt));
  let k = 0;
  // The ranges of binding k's declarations, built only for a name that occurs where it may be written.
  const declaredRanges = (): ReadonlyArray<readonly [number, number]> => {
    const statement = reassignStatement[k];
    if (statement !== undefined) return rangesOf(statement);
    const start = reassignStart[k] as number;
    return start === -1 ? [] : [[start, reassignEnd[k] as number]];
  };
  // Most large modules write none of their exports: then no name is asked about one by one.
  const anyWrite = writes.mayWriteAny();
  for (; anyWrite && k < reassignBinding.length; k++) {
    const binding = reassignBinding[k] as number;
    const local = unescapeName(locals[binding] as string);
    mutable[binding] = writes.written(local, declaredRanges, true, reassignVar[k] === true);
  }
  keepConstsConstant(edits, bindings, consts, anyWrite ? writes : undefined);
  for (let c = 0; anyWrite && c < ownIndex.length; c++) {
    const index = ownIndex[c] as number;
    if (mutable[index] !== true) continue;
    if (ownCapture(source, edits, bindings, index, ownName[c] as string, ownBrace[c] as number, ownStatement[c])) {
      bindings.owned.push(index);
    }
  }
  return bindings;
}

/**
 * Keeps the function that carries trampoline `index` in a variable of its own (OWN and the index), assigned right
 * after its declaration (`let f = () => …;var __hz$o0=f;`), or for a function declaration (hoisted: the module may
 * assign its name before the declaration's text) with the registration when that runs before the body, else right
 * after it too (see transformModule): the runtime runs that function's body when the trampoline asks, whatever the
 * module has assigned to its export since. A declaration whose end is unsure keeps none (the runtime then runs what
 * the export holds). Returns whether it keeps one.
 */
function ownCapture(
  source: string,
  edits: Edits,
  bindings: Bindings,
  index: number,
  name: string,
  brace: number,
  statement: VariableStatement | undefined,
): boolean {
  const text = `var ${edits.condition.prefix}${OWN}${index}=${name};`;
  if (statement === undefined) {
    // A function declaration ends with its body; a statement may follow on the same line.
    bindings.hoistedCaptures.push(text);
    bindings.hoistedAt.push(skipBalanced(source, brace));
    return true;
  }
  const end = statement.end ?? variableStatement(source, statement.keyword)?.end;
  if (end === undefined) return false;
  edits.magic.insert(end.semicolon ? end.at + 1 : end.at, end.semicolon ? text : `;${text}`);
  return true;
}

/** `positions` in ascending order (sorted in place only when they are not already). */
function inOrder(positions: number[]): number[] {
  for (let i = 1; i < positions.length; i++) {
    if ((positions[i] as number) < (positions[i - 1] as number)) return positions.sort((a, b) => a - b);
  }
  return positions;
}

/**
 * Makes each exported `const` assignable by the runtime without letting the module itself assign it. A statement
 * none of whose names the module ever writes becomes `let  ` (same width): nothing can observe the difference. One
 * whose names the module may write (natively a TypeError, or a shadowing local) stays `const`, and its exports go
 * through `let` aliases declared just after it; should its end be unreadable, it becomes `let  ` after all.
 * Without `writes`, the module writes none of them.
 */
function keepConstsConstant(
  edits: Edits,
  bindings: Bindings,
  consts: ReadonlyMap<number, ExportedConst>,
  writes: Writes | undefined,
): void {
  let aliases = 0;
  for (const constant of consts.values()) {
    const { statement, exportAt, useBindings, useClauses } = constant;
    // The declared ranges, made only if a name occurs where it may be written.
    let declared: Array<[number, number]> | undefined;
    const ranges = (): Array<[number, number]> => {
      declared ??= statement.declarators.map((declarator) => declarator.binding);
      return declared;
    };
    if (writes === undefined || !anyWritten(statement.declarators, writes, ranges)) {
      edits.magic.overwrite(statement.keyword, statement.keyword + 5, 'let  ');
      continue;
    }
    const end = constant.end();
    if (end === undefined) {
      edits.magic.overwrite(statement.keyword, statement.keyword + 5, 'let  ');
      continue;
    }
    const declarations: string[] = [];
    const clause: string[] = [];
    for (let use = 0; use < useBindings.length; use++) {
      const binding = useBindings[use] as number;
      const entry = useClauses[use];
      const local = bindings.locals[binding];
      if (local === undefined) continue;
      const alias = `${edits.condition.prefix}${ALIAS}${aliases++}`;
      declarations.push(`${alias}=${local}`);
      // An `export const` exports each name as its local, spelled as the source spells it.
      if (entry === undefined) clause.push(`${alias} as ${local}`);
      else if (entry.start === entry.localStart)
        edits.magic.overwrite(entry.localStart, entry.localEnd, `${alias} as ${entry.name}`);
      else edits.magic.overwrite(entry.localStart, entry.localEnd, alias);
      bindings.locals[binding] = alias;
    }
    // The aliases are in their temporal dead zone until the declaration has run, as the constants are.
    const text = `let ${declarations.join(',')};`;
    edits.magic.insert(end.semicolon ? end.at + 1 : end.at, end.semicolon ? text : `;${text}`);
    if (exportAt !== -1) {
      edits.magic.overwrite(exportAt, exportAt + 'export'.length, '      ');
      edits.suffix.push(`export{${clause.join(',')}};`);
    }
  }
}

/** Whether the module may write a name that one of `declarators` declares (asked in their order). */
function anyWritten(
  declarators: readonly Declarator[],
  writes: Writes,
  ranges: () => ReadonlyArray<readonly [number, number]>,
): boolean {
  for (let d = 0; d < declarators.length; d++) {
    const names = (declarators[d] as Declarator).names;
    for (let n = 0; n < names.length; n++) if (writes.written(names[n] as string, ranges, true)) return true;
  }
  return false;
}

/**
 * A first line that runs nothing anyone can observe: one constant or variable declared with a literal (or a string
 * directive), ended by its own `;` and then the line. A version's gate may follow it at the end of that line (no
 * column moves): running it before the go-ahead only initializes a binding of an instance nothing else sees yet.
 */
const INERT_FIRST_LINE =
  /(?:(?:export[ \t]+)?(?:const|let|var)[ \t]+[A-Za-z_$][\w$]*[ \t]*=[ \t]*)?(?:-?(?:0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?)n?|'[^'\\\n\r]*'|"[^"\\\n\r]*"|true|false|null)[ \t]*;[ \t]*(?=\r?\n)/y;

/** The end of the code of `source`'s first line when that line is inert (see INERT_FIRST_LINE), else -1. */
function inertFirstLineEnd(source: string): number {
  INERT_FIRST_LINE.lastIndex = codeStart(source);
  const match = INERT_FIRST_LINE.exec(source);
  return match === null ? -1 : INERT_FIRST_LINE.lastIndex;
}

/** Where code may start: after a hashbang line (ended by any line terminator), which must stay first. */
function codeStart(source: string): number {
  if (!source.startsWith('#!')) return 0;
  const end = /[\n\r\u2028\u2029]/.exec(source);
  if (end === null) return source.length;
  return source.startsWith('\r\n', end.index) ? end.index + 2 : end.index + 1;
}

/**
 * A place for the registration that moves no code to another column: within the module's leading comments and
 * import declarations (which run nothing: imports are hoisted), at a point where the rest of the line is blank or
 * a line comment. -1 when code comes first on its line. `separate` tells that an import without its `;` comes just
 * before, on the same line, so the registration needs one to start a statement of its own.
 */
function quietHeaderPosition(source: string, imports: readonly Import[]): { at: number; separate: boolean } | -1 {
  let next = 0;
  let at = codeStart(source);
  let separate = false;
  for (;;) {
    for (;;) {
      const c = source[at];
      if (c === ';') separate = false;
      // A CR LF is one line break: what goes between its two characters would make it two.
      else if (c !== ' ' && c !== '\t' && (c !== '\r' || source[at + 1] === '\n')) break;
      at++;
    }
    if (at >= source.length || source[at] === '\n' || source.startsWith('\r\n', at) || source.startsWith('//', at)) {
      return { at, separate };
    }
    if (source.startsWith('/*', at)) {
      const close = source.indexOf('*/', at + 2);
      if (close === -1) return -1;
      at = close + 2;
      continue;
    }
    while (next < imports.length && (imports[next]?.importStart ?? 0) < at) next++;
    const statement = imports[next];
    if (statement?.importStart !== at || !isStaticImport(statement)) return -1;
    at = statement.importEnd;
    separate = source[at - 1] !== ';';
  }
}

/** A static import or `export * from`: linked before the module runs (dynamic imports and import.meta are not). */
export function isStaticImport(entry: Import): entry is Extract<Import, { type: 'static' | 'reexport-star' }> {
  return entry.type === 'static' || entry.type === 'reexport-star';
}

/**
 * A name or specifier as an item of the registration's lists, which separate with `,`, `=` and `:` and write a
 * namespace as `*`: a string export name (`export { a as "x,y" }`) or a specifier may hold them, so they (and `%`)
 * are percent-escaped.
 */
export function listItem(text: string): string {
  return /[%,=:*]/.test(text) ? text.replace(/[%,=:*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`) : text;
}

/** The name or specifier a list item stands for (see listItem). */
export function fromListItem(item: string): string {
  return item.includes('%') ? decodeURIComponent(item) : item;
}

/**
 * The name an export entry exports: the lexer gives a string name (`export { a as "b" }`) read, and an identifier as
 * the source spells it, which may be with `\u` escapes (`export { a as \u0062 }` exports `b`).
 */
export function exportName(source: string, entry: { readonly name: string; readonly start: number }): string {
  const name = entry.name;
  if (!name.includes('\\')) return name;
  const c = source[entry.start];
  return c === '"' || c === "'" ? name : unescapeName(name);
}

/** The name a re-export takes from its module (`export { a as b } from` takes `a`), or null for its namespace. */
function reexportedName(source: string, entry: Extract<Export, { type: 'reexport' }>): string | null {
  const name = entry.importName;
  if (name === null) return null;
  if (!name.includes('\\')) return name;
  const c = source[entry.importNameStart];
  return c === '"' || c === "'" ? name : unescapeName(name);
}

/**
 * What a module re-exports, comma-separated: `name:from`, `name=imported:from` where it takes another name,
 * `name=*:from` for a namespace (`export * as name from`), `*:from` for `export *` (a name `*` is escaped). Compared between versions; an
 * update that only changes the module some names come from follows it (see ../hot/retarget.ts).
 */
export function reexportList(exports: readonly Export[], source: string): string {
  return exports
    .filter((entry) => entry.type !== 'direct')
    .map((entry) => {
      if (entry.type === 'reexport-all') return `*:${listItem(entry.from)}`;
      const name = exportName(source, entry);
      const imported = reexportedName(source, entry);
      const taken = imported === name ? '' : `=${imported === null ? '*' : listItem(imported)}`;
      return `${listItem(name)}${taken}:${listItem(entry.from)}`;
    })
    .join(',');
}

/** One item of a registration's re-export list (see reexportList). */
export interface ReexportItem {
  /** `export * from` (its name and imported name are `*`). */
  star: boolean;
  name: string;
  /** The name taken from the module, or null for its namespace (and for `export *`). */
  imported: string | null;
  from: string;
}

/** Reads a registration's re-export list (see reexportList). */
export function reexportItems(list: string): ReexportItem[] {
  if (list === '') return [];
  return list.split(',').map((item) => {
    // Names and specifiers escape `:` and `=`: the first of each separates.
    const colon = item.indexOf(':');
    const head = item.slice(0, colon);
    const from = fromListItem(item.slice(colon + 1));
    if (head === '*') return { star: true, name: '*', imported: null, from };
    const equals = head.indexOf('=');
    const name = fromListItem(equals === -1 ? head : head.slice(0, equals));
    const taken = equals === -1 ? undefined : head.slice(equals + 1);
    return {
      star: false,
      name,
      imported: taken === undefined ? name : taken === '*' ? null : fromListItem(taken),
      from,
    };
  });
}

/**
 * From this many local exports on, a module carries its binding accessor in its own source (see bindingAccessor).
 * Below it they are compiled on first use through the module's eval, which costs a module nothing until an update;
 * but V8 resolves each name an eval (or a lazily compiled function) reads from a module's bindings by a linear search
 * of them, so that accessor costs the square of the number of exports: about 1 ms at this size, minutes at 60,000.
 */
export const INLINE_ACCESSORS_FROM = 256;

/**
 * From this many local exports on, a new version that importers may link to carries its accessor too (an unlinked
 * one never needs it): made through the eval, its names would resolve in quadratic time (about 64 ms at this size,
 * and growing).
 */
export const VERSION_ACCESSORS_FROM = 2048;

/**
 * From this many local exports on, a new version carries its reader (see RawDescription.v). Below, the runtime
 * reads its values through its namespace once it has evaluated (0.1–0.5 ms for 450 exports, about 1 ms for 4,000),
 * which keeps nothing: the reader's source and bytecode stayed with every version (about 7 KB at 450 exports).
 */
export const VERSION_READER_FROM = 2048;

/**
 * Below this many local exports, a version's reader hands its bindings to the runtime as a call's arguments; from it
 * on (a call's arguments are limited, and sit on the stack), it returns an array literal.
 */
export const READER_ARGUMENTS_BELOW = 4096;

/**
 * A new version's reader of its local bindings `locals` (see RawDescription.v): `collect` called with their values,
 * in order. An array literal of variables costs a boilerplate of one slot per element and several bytecodes per
 * element, kept with every version: the call costs neither.
 */
export function versionReader(locals: readonly string[]): string {
  const values = locals.join(',');
  // `collect` is read from `arguments`: a parameter would stand for the module's binding of the same name.
  return locals.length < READER_ARGUMENTS_BELOW
    ? `(function(){return arguments[0](${values})})`
    : `(function(){return[${values}]})`;
}

/** The accessor's parameters when no short name is free. */
const ACCESSOR_PARAMETERS: readonly [string, string, string] = [`${HANDLE}k`, `${HANDLE}x`, `${HANDLE}w`];

/**
 * Short names for the accessor's parameters, which its code repeats for every export: Latin-1 letters (one byte per
 * character in V8, like ASCII) absent from the module, so they shadow none of its bindings; none of them is a short
 * default-export name.
 */
const SHORT_PARAMETERS = ['µ', 'ß', 'ø', 'æ', 'ñ', 'ý', 'ü', 'ç'];

/**
 * The accessor's parameter names for `source` (a module's spelledText, or the locals it reads): three short ones it
 * does not contain, else the long ones, lengthened until it does not contain them either (a parameter would stand
 * for the module's binding of the same name).
 */
export function accessorParameters(source: string): readonly [string, string, string] {
  const free = SHORT_PARAMETERS.filter((name) => !source.includes(name));
  const [k, x, w] = free;
  if (k !== undefined && x !== undefined && w !== undefined) return [k, x, w];
  const unused = (name: string): string => (source.includes(name) ? unused(`${name}_`) : name);
  const [long0, long1, long2] = ACCESSOR_PARAMETERS;
  return [unused(long0), unused(long1), unused(long2)];
}

/**
 * A function expression `(index, value, write)` over a module's exported local bindings, by index in the
 * registration's `l:` list: it returns the binding's value, after assigning `value` to it when `write` is true. The
 * switch has dense integer cases, which V8 compiles to a jump table: one call costs the same whatever the number of
 * exports. Parenthesized, it is compiled with the module itself, where names resolve by hash: linear in the number
 * of exports.
 */
export function bindingAccessor(
  locals: readonly string[],
  [k, x, w]: readonly [string, string, string] = ACCESSOR_PARAMETERS,
): string {
  let cases = '';
  for (let i = 0; i < locals.length; i++) {
    const local = locals[i];
    cases += `case ${i}:return ${w}?${local}=${x}:${local};`;
  }
  return `(function(${k},${x},${w}){switch(${k}){${cases}}})`;
}

/**
 * A declaration or import that may bind `globalThis`, `Symbol` or `Object` in the module's scope, where the inserted
 * code looks them up. Matching more (an object key, a parameter) only costs the longer, slower forms.
 */
export const GLOBAL_BINDING =
  /\b(?:function\*?|class)\s+(?:globalThis|Symbol|Object)(?![\w$])|(?:\b(?:var|let|const|import|as)\s+|[{,[]\s*)(?:globalThis|Symbol|Object)(?![\w$]|\s*[.(])/;

/** GLOBAL_BINDING tried at one position only. */
const GLOBAL_BINDING_AT = new RegExp(GLOBAL_BINDING.source, 'y');

/** How far before the white space that precedes a name GLOBAL_BINDING's matches start (`[`, `as`, … `function*`). */
const GLOBAL_BINDING_STARTS = [1, 2, 3, 5, 6, 8, 9];

/**
 * Whether `source` matches GLOBAL_BINDING. The regex scanned every position of every module (a sixth of the
 * transform's time); here it is tried only where one of the three names occurs, at the few places a match of it
 * could start: what precedes the name is white space, and before that a keyword or `[`, `{`, `,`.
 */
export function bindsGlobals(source: string): boolean {
  for (const name of ['Object', 'Symbol', 'globalThis']) {
    for (let at = source.indexOf(name); at !== -1; at = source.indexOf(name, at + 1)) {
      let space = at;
      while (space > 0 && isSpaceCode(source.charCodeAt(space - 1))) space--;
      for (const back of GLOBAL_BINDING_STARTS) {
        if (space - back < 0) break;
        GLOBAL_BINDING_AT.lastIndex = space - back;
        if (GLOBAL_BINDING_AT.test(source)) return true;
      }
    }
  }
  return false;
}

/**
 * Whether a module may use top-level await (a cheap over-approximation: the word `await` anywhere in its source).
 * A plain search first: most modules never contain the word, and the regex would look at every position.
 */
export function mayAwait(source: string): boolean {
  return source.includes('await') && /\bawait\b/.test(source);
}

/** One property of the registration object, by its key in the one format the runtime reads. */
function field(key: keyof RawDescription, code: string): string {
  return `${key}:${code}`;
}

/** `code` (string literals) with each character past U+00FF written as a `\u` escape. */
function escapeWide(code: string): string {
  return code.replace(/[^\0-\u00ff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Makes `source` (an ES module) hot-replaceable in place. Throws the lexer's SyntaxError for sources it cannot
 * lex; callers then serve the source untouched so that Node reports the real syntax error.
 */
export function transformModule(source: string, options: TransformOptions): TransformResult {
  const [imports, exports] = lex(source);
  // Read with its escapes decoded: `let glob\u0061lThis` binds globalThis, `let \u00ff` the handle's letter.
  const spelled = spelledText(source);
  const shadowsGlobals = bindsGlobals(spelled);
  // Names a module spells with escapes are listed as the names they denote, which may hold characters past Latin-1
  // (esbuild escapes non-ASCII names): those are escaped again in the lists' string literals, so that the source
  // stays one byte a character in V8 if it was.
  const narrow = spelled === source ? (code: string): string => code : escapeWide;
  const prefix = declaredPrefix(spelled);
  const handle = handleName(spelled, prefix);
  const edits: Edits = {
    magic: new SourceEdits(source),
    spelled,
    // A module that spells the global's name itself may bind it: the read then goes through the global object.
    condition: {
      condition: modeCondition(
        options.url,
        shadowsGlobals,
        options.modeDefined === true && !spelled.includes(modeGlobal(options.url)),
      ),
      handle,
      prefix,
    },
    defaultLocal: `${prefix}default`,
    // An object literal's constructor is the realm's own `Object`, whatever the module binds to the name.
    object: shadowsGlobals ? '({}).constructor' : 'Object',
    mutable: [],
    prefixExtra: [],
    suffix: [],
  };
  const bindings = localExports(source, exports, edits, options.versioned === true);
  // Local exports as `name` or `name=local`; the runtime assigns them through the module's own eval, so the
  // registration stays a few bytes per export instead of a setter and a getter spelled out per binding.
  const { names, locals, mutable } = bindings;
  // Most locals are their export's name: the list is joined from the locals themselves unless one differs.
  let listed = locals;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const local = locals[i] as string;
    if (name === local) continue;
    if (listed === locals) listed = [...locals];
    listed[i] = `${listItem(name)}=${local}`;
  }
  for (let i = 0; i < names.length; i++) if (mutable[i] === true) edits.mutable.push(names[i] as string);
  const dependencies: string[] = [];
  for (const entry of imports) {
    if (!isStaticImport(entry)) continue;
    dependencies.push(`[${quote(entry.specifier)},${JSON.stringify(importedNames(source, entry))}]`);
  }
  const reexports = reexportList(exports, source);
  const usesMeta = imports.some((entry) => entry.type === 'import-meta');
  // One closure gives both the module's eval and, called with no code, its import.meta (a closure and its shared
  // info fewer per module and per version). Named, so V8 keeps no name it inferred for it (`.register.e`, built of
  // three cons strings). The code it evaluates names the module's bindings: the function binds no name of its own
  // that the module may also bind (its name is the handle's, which the module never spells; its code is read from
  // `arguments`, which a module cannot bind). Empty fields are left out: the runtime reads them as empty.
  const description = [
    field('e', `function ${handle}(){return arguments[0]?eval(arguments[0]):import.meta}`),
    ...(options.layout !== undefined && listed.join(',') === options.layout
      ? []
      : [field('l', narrow(quote(listed.join(','))))]),
  ];
  if (edits.mutable.length > 0) description.push(field('m', narrow(JSON.stringify(edits.mutable))));
  if (dependencies.length > 0) description.push(field('i', narrow(`[${dependencies.join(',')}]`)));
  if (reexports !== '') description.push(field('r', narrow(quote(reexports))));
  if (usesMeta) description.push(field('h', '1'));
  if (imports.some((entry) => entry.type === 'dynamic')) description.push(field('d', '1'));
  // A new version is read through `v`, and written only if importers come to link to it: an unlinked one, or one
  // below VERSION_ACCESSORS_FROM, carries no accessor (one is made through its eval if ever needed), as every
  // version kept its compiled switch and its source for good.
  const accessorFrom = options.versioned === true ? VERSION_ACCESSORS_FROM : INLINE_ACCESSORS_FROM;
  if (locals.length >= accessorFrom && options.unlinked !== true) {
    description.push(field('a', bindingAccessor(locals, accessorParameters(spelled))));
  }
  if (options.versioned === true) {
    // What every update reads of a new version, compiled with it (parenthesized, so names resolve by hash): an eval
    // per version cost more than the reading. A smaller version is read through its namespace (see
    // VERSION_READER_FROM).
    if (locals.length >= VERSION_READER_FROM) description.push(field('v', versionReader(locals)));
    const reassigned = locals.filter((_, i) => mutable[i] === true);
    if (reassigned.length > 0) description.push(field('u', `()=>[${reassigned.join(',')}]`));
    const { owned } = bindings;
    if (owned.length > 0) {
      const kept = owned.map((i) => `${i}:${edits.condition.prefix}${OWN}${i}`);
      description.push(field('o', `()=>({${kept.join(',')}})`));
    }
  }
  // `var`: hoisted, so a function called before the registration ran (in a cycle) finds the handle undefined: run.
  const runtime = `globalThis[Symbol.for(${quote(RUNTIME_SYMBOL)})]`;
  // A module that binds `globalThis` or `Symbol` itself (lodash-es: `var Symbol = root.Symbol`) would hand the
  // registration its own, maybe not yet assigned, binding: the runtime is then looked up in the global scope, by an
  // indirect eval (a module is simply not hot where code generation from strings is disallowed).
  const lookup = shadowsGlobals ? `(()=>{try{return(0,eval)(${quote(runtime)})}catch{}})()` : runtime;
  let header = `var ${handle}=${lookup}?.register(${quote(options.url)},{${description.join(',')}});`;
  header += edits.prefixExtra.join('');
  // The gate runs before the registration: a new version registers only once its update has said go.
  const gate = options.inlineGate === true ? `await ${lookup}?.linked(${quote(options.url)});` : '';
  let gatedInline = gate !== '';
  const quiet = quietHeaderPosition(source, imports);
  // Without a quiet place, a module that needs its registration before its body runs (a reader of import.meta.hot,
  // a default function to rename, top-level await that may never settle) takes line 1 and moves that line's
  // columns; any other registers as its body ends, which changes nothing it can observe.
  // A module that is one hashbang line (no line break) has nowhere but the end: in its line, code is a comment.
  const oneLine = source.startsWith('#!') && !/[\n\r\u2028\u2029]/.test(source);
  const first = !oneLine && (quiet !== -1 || usesMeta || edits.prefixExtra.length > 0 || mayAwait(source));
  // A function declaration is hoisted: its OWN variable is assigned with a registration that runs before the body
  // (before the module can assign the name), else just after the declaration.
  const { hoistedCaptures, hoistedAt } = bindings;
  if (first) header += hoistedCaptures.join('');
  else
    for (let c = 0; c < hoistedAt.length; c++) edits.magic.insert(hoistedAt[c] as number, hoistedCaptures[c] as string);
  if (oneLine) {
    edits.suffix.unshift(header);
    gatedInline = false;
  } else if (quiet !== -1) edits.magic.insert(quiet.at, `${quiet.separate ? ';' : ''}${gate}${header}`);
  else if (first) edits.magic.insert(codeStart(source), `${gate}${header}`);
  else {
    // A gate at line 1's start would move its columns, which the gate module keeps (a source map would correct
    // them); after a first line that runs nothing observable it moves none.
    const inertEnd = gatedInline ? inertFirstLineEnd(source) : -1;
    if (inertEnd !== -1) edits.magic.insert(inertEnd, gate);
    else if (gatedInline && options.sourceMapUrl !== undefined) edits.magic.insert(codeStart(source), gate);
    else gatedInline = false;
    edits.suffix.unshift(header);
  }
  if (edits.suffix.length > 0) edits.magic.append(`\n${edits.suffix.join('')}`);
  const mapUrl = options.sourceMapUrl;
  const mapped = mapUrl !== undefined && edits.magic.movesColumns();
  const code = mapped ? edits.magic.toStringWithMap(mapUrl) : edits.magic.toString();
  return gatedInline ? { code, gatedInline } : { code };
}
