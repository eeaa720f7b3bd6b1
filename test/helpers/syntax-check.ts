/**
 * The hot transform checked with a real parser: its output must parse as a module and keep the original's import
 * and export lists. acorn reads both sides, so a mistake shared by the transform and es-module-lexer cannot hide.
 * Used by the generated syntax test and by the corpus suites on every module they load.
 */
import assert from 'node:assert/strict';
import * as acorn from 'acorn';
import { transformModule } from '../../lib/transform/transform.js';
import { boundNames, listedReassigned, reassignedExports } from './reassigned-exports.js';

/** A module's static imports (specifier, imported names, attributes) and exports (names), in a comparable form. */
export interface ModuleShape {
  /** One line per import or re-export statement, in source order: `"specifier" names [attributes]`. */
  imports: string[];
  /** Every exported name, `* from "specifier"` for an unnamed star re-export; sorted. */
  exports: string[];
}

const PARSE_OPTIONS: acorn.Options = { sourceType: 'module', ecmaVersion: 'latest', allowHashBang: true };

function nameOf(node: acorn.Identifier | acorn.Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

function attributesOf(attributes: readonly acorn.ImportAttribute[] | undefined): string {
  if (!attributes?.length) return '';
  return ` with ${attributes.map((attribute) => `${nameOf(attribute.key)}:${nameOf(attribute.value)}`).join(',')}`;
}

/** The import and export lists of a parsed module. */
export function shapeOf(program: acorn.Program): ModuleShape {
  const imports: string[] = [];
  const exports: string[] = [];
  for (const node of program.body) {
    switch (node.type) {
      case 'ImportDeclaration': {
        const names = node.specifiers.map((specifier) =>
          specifier.type === 'ImportDefaultSpecifier'
            ? 'default'
            : specifier.type === 'ImportNamespaceSpecifier'
              ? '*'
              : nameOf(specifier.imported),
        );
        imports.push(`${JSON.stringify(node.source.value)} {${names.join(',')}}${attributesOf(node.attributes)}`);
        break;
      }
      case 'ExportNamedDeclaration': {
        if (node.declaration) {
          const declaration = node.declaration;
          if (declaration.type === 'VariableDeclaration') {
            for (const declarator of declaration.declarations) boundNames(declarator.id, exports);
          } else exports.push(declaration.id.name);
        }
        for (const specifier of node.specifiers) exports.push(nameOf(specifier.exported));
        if (node.source) {
          const names = node.specifiers.map((specifier) => nameOf(specifier.local));
          imports.push(`${JSON.stringify(node.source.value)} {${names.join(',')}}${attributesOf(node.attributes)}`);
        }
        break;
      }
      case 'ExportDefaultDeclaration':
        exports.push('default');
        break;
      case 'ExportAllDeclaration':
        exports.push(node.exported ? nameOf(node.exported) : `* from ${JSON.stringify(node.source.value)}`);
        imports.push(`${JSON.stringify(node.source.value)} {*}${attributesOf(node.attributes)}`);
        break;
      default:
        break;
    }
  }
  return { imports, exports: exports.sort() };
}

/** Parses `source` as a module; a SyntaxError names `url` and shows the failing line. */
export function parseModule(source: string, url: string): acorn.Program {
  try {
    return acorn.parse(source, PARSE_OPTIONS);
  } catch (error) {
    const position = (error as { pos?: number }).pos ?? 0;
    const lineStart = source.lastIndexOf('\n', position - 1) + 1;
    const lineEnd = source.indexOf('\n', position);
    const line = source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    throw new SyntaxError(`${url}: ${(error as Error).message}\n  ${line.slice(0, 300)}`, { cause: error });
  }
}

/** What `checkTransformed` did with a module. */
export type CheckOutcome =
  /** The transform's output parsed and kept the import and export lists, as a first instance and as a new version. */
  | 'checked'
  /** acorn cannot parse the original either (not a module, or syntax newer than acorn): nothing to compare. */
  | 'unparsed';

/** Options of `checkTransformed`. */
export interface CheckOptions {
  /** Also check the output with an inline source map (the `HOTZIP_SOURCE_MAPS=1` variant). */
  sourceMaps?: boolean;
  /**
   * Counts of the new version's list of reassigned exports against the oracle's (reassigned-exports.ts): every
   * module checked adds to them. A name the oracle finds and the list lacks fails the check whether or not given.
   */
  reassigned?: ReassignedTally;
}

/** What checkTransformed found of the transform's lists of reassigned exports, summed over modules. */
export interface ReassignedTally {
  /** Exports the oracle finds reassigned (all listed, or the check failed). */
  reassigned: number;
  /** Exports listed that the module never reassigns: harmless, slower calls. */
  extra: number;
  /** Modules with at least one extra, as `url: names`. */
  extraModules: string[];
}

/**
 * Transforms `source` (an ES module at `url`) as the loader would, as a first instance and as a new version, and
 * asserts that each output parses as a module and has the original's imports and exports. Throws an
 * AssertionError or SyntaxError naming `url` on failure. Returns 'unparsed', checking nothing, when the original
 * itself does not parse as a module.
 */
export function checkTransformed(source: string, url: string, options: CheckOptions = {}): CheckOutcome {
  // The loader decodes sources with a TextDecoder, which drops a byte order mark.
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  let original: ModuleShape;
  try {
    original = shapeOf(acorn.parse(source, PARSE_OPTIONS));
  } catch {
    return 'unparsed';
  }
  const variants: [string, Parameters<typeof transformModule>[1]][] = [
    ['first instance', { url }],
    ['new version', { url: `${url}?hz=1`, versioned: true }],
  ];
  if (options.sourceMaps) variants.push(['source-mapped', { url, sourceMapUrl: url }]);
  for (const [variant, transformOptions] of variants) {
    let code: string;
    try {
      code = transformModule(source, transformOptions).code;
    } catch (error) {
      // The loader would serve the source untouched: it loads, but is not hot.
      assert.fail(`${url} (${variant}): the transform threw on a valid module: ${(error as Error).message}`);
    }
    const shape = shapeOf(parseModule(code, `${url} (${variant}, transformed)`));
    assert.deepEqual(shape, original, `${url} (${variant}): the transform changed the import or export lists`);
    if (transformOptions.versioned === true) checkReassigned(source, code, url, options.reassigned);
  }
  return 'checked';
}

/**
 * Asserts that a new version's registration lists every export the module reassigns (its importers would miss
 * the later values of any other), and tallies the listed ones it never reassigns.
 */
function checkReassigned(source: string, code: string, url: string, tally: ReassignedTally | undefined): void {
  const truth = reassignedExports(source);
  const listed = listedReassigned(code);
  const missing = truth.filter((name) => !listed.includes(name));
  assert.deepEqual(missing, [], `${url} (new version): reassigned exports missing from the transform's list`);
  if (tally === undefined) return;
  const extra = listed.filter((name) => !truth.includes(name));
  tally.reassigned += truth.length;
  tally.extra += extra.length;
  if (extra.length > 0) tally.extraModules.push(`${url}: ${extra.join(', ')}`);
}
