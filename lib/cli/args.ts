/**
 * Argument parsing for the `hotzip` command: `node:util` `parseArgs` splits the command line into tokens, and one
 * table per command decides what they mean, so every command rejects unknown flags, missing values and stray
 * operands the same way (a usage error, exit 2) instead of guessing.
 */
import { parseArgs as tokenize } from 'node:util';
import { usageError } from './error.js';

/** What a command accepts: flags that take a value and flags that do not, each with its aliases. */
export interface ArgSpec {
  /** Flag name (without dashes) → its one-letter alias such as `-o`, if any; these flags take a value. */
  values?: Record<string, readonly string[]>;
  /** Boolean flags, likewise. */
  booleans?: Record<string, readonly string[]>;
  /** Whether `--` ends the options and the rest goes to `rest` untouched (for `run`). */
  passThrough?: boolean;
  /** Whether flags that Node itself accepts (`--inspect`, `--enable-source-maps`) go to `nodeFlags` (for `run`). */
  nodeFlags?: boolean;
}

/** The parsed command line of one command. */
export interface ParsedArgs {
  operands: string[];
  values: Map<string, string>;
  booleans: Set<string>;
  /** Everything after `--` when the spec allows it. */
  rest: string[];
  /** Node's own flags, in order, each with its value when it takes one (when the spec allows them). */
  nodeFlags: string[];
}

/**
 * Node flags that take their value as the next argument (`-r ./x.cjs`). Any flag accepts `--flag=value`; Node has
 * no public table of which flags take values, so the common ones are listed.
 */
const NODE_FLAGS_WITH_VALUES = new Set([
  '-r',
  '--require',
  '--import',
  '-C',
  '--conditions',
  '--loader',
  '--experimental-loader',
  '--inspect-port',
  '--debug-port',
  '--title',
  '--input-type',
  '--disable-warning',
  '--redirect-warnings',
  '--diagnostic-dir',
  '--report-dir',
  '--unhandled-rejections',
  '--env-file',
  '--env-file-if-exists',
  '--max-old-space-size',
  '--stack-trace-limit',
]);

/** Tells whether Node accepts `flag` (as given, with or without `=value`). */
function isNodeFlag(flag: string): boolean {
  const name = flag.split('=')[0] ?? flag;
  return process.allowedNodeEnvironmentFlags.has(flag) || NODE_FLAGS_WITH_VALUES.has(name);
}

/** parseArgs's declaration of flags: by long name, each with its type and one-letter alias. */
type Declared = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** The parseArgs declaration of `spec`: its own flags, and Node's flags that take a value when it passes them on. */
function declare(spec: ArgSpec, names: ReadonlySet<string>): Declared {
  const options: Declared = {};
  const add = (name: string, type: 'string' | 'boolean', aliases: readonly string[]): void => {
    // parseArgs knows one alias per flag, of one letter.
    if (aliases.length > 1 || aliases.some((alias) => !/^-[^-]$/.test(alias))) {
      throw new Error(`--${name}: only one one-letter alias is supported, not ${aliases.join(' ')}`);
    }
    const short = aliases[0]?.slice(1);
    options[name] = short === undefined ? { type } : { type, short };
  };
  for (const [name, aliases] of Object.entries(spec.values ?? {})) add(name, 'string', aliases);
  for (const [name, aliases] of Object.entries(spec.booleans ?? {})) add(name, 'boolean', aliases);
  if (spec.nodeFlags) {
    // Declared so that parseArgs takes their value from the next argument (`-r ./x.cjs`); a command's own flag of
    // the same name wins.
    for (const flag of NODE_FLAGS_WITH_VALUES) {
      if (!flag.startsWith('--')) continue;
      const name = flag.slice(2);
      options[name] ??= { type: 'string', multiple: true };
    }
    for (const [short, name] of [
      ['r', 'require'],
      ['C', 'conditions'],
    ] as const) {
      const option = options[name];
      if (option !== undefined && !names.has(name) && !Object.values(options).some((o) => o.short === short)) {
        option.short = short;
      }
    }
  }
  return options;
}

/** Parses `argv` (the arguments after the command name) against `spec`; throws a usage error on anything unknown. */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const names = new Set([...Object.keys(spec.values ?? {}), ...Object.keys(spec.booleans ?? {})]);
  const { tokens } = tokenize({
    args: [...argv],
    options: declare(spec, names),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const parsed: ParsedArgs = { operands: [], values: new Map(), booleans: new Set(), rest: [], nodeFlags: [] };
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      if (!spec.passThrough) throw usageError(`unexpected '--'`);
      parsed.rest = argv.slice(token.index + 1);
      break;
    }
    if (token.kind === 'positional') {
      parsed.operands.push(token.value);
      continue;
    }
    const arg = argv[token.index] as string;
    if (!names.has(token.name)) {
      if (!spec.nodeFlags || !isNodeFlag(token.inlineValue ? `${token.rawName}=${token.value}` : token.rawName)) {
        throw usageError(`unknown option '${token.rawName}'`);
      }
      // `--conditions=x` stays one argument; `-r x` (or `-rx`) is passed as `-r x`.
      if (token.inlineValue && token.rawName.startsWith('--')) parsed.nodeFlags.push(arg);
      else {
        parsed.nodeFlags.push(token.rawName);
        if (token.value !== undefined) parsed.nodeFlags.push(token.value);
        else if (NODE_FLAGS_WITH_VALUES.has(token.rawName))
          throw usageError(`node option '${token.rawName}' needs a value`);
      }
      continue;
    }
    if (spec.booleans?.[token.name] !== undefined) {
      if (token.value !== undefined) throw usageError(`option '${token.rawName}' takes no value`);
      parsed.booleans.add(token.name);
      continue;
    }
    if (token.value === undefined || token.value === '') throw usageError(`option '${token.rawName}' needs a value`);
    if (parsed.values.has(token.name)) throw usageError(`option '${token.rawName}' given twice`);
    parsed.values.set(token.name, token.value);
  }
  return parsed;
}
