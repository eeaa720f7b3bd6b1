/**
 * Argument parsing for the `hotzip` command: one small table-driven parser, so every command rejects unknown flags,
 * missing values and stray operands the same way (exit 2) instead of guessing.
 */

/** Bad usage: the command prints the message and its usage and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a command accepts: flags that take a value and flags that do not, each with its aliases. */
export interface ArgSpec {
  /** Flag name (without dashes) → aliases such as `-o`; these flags take a value. */
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

/** Parses `argv` (the arguments after the command name) against `spec`; throws UsageError on anything unknown. */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const byFlag = new Map<string, { name: string; takesValue: boolean }>();
  for (const [name, aliases] of Object.entries(spec.values ?? {})) {
    for (const flag of [`--${name}`, ...aliases]) byFlag.set(flag, { name, takesValue: true });
  }
  for (const [name, aliases] of Object.entries(spec.booleans ?? {})) {
    for (const flag of [`--${name}`, ...aliases]) byFlag.set(flag, { name, takesValue: false });
  }
  const parsed: ParsedArgs = { operands: [], values: new Map(), booleans: new Set(), rest: [], nodeFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      if (!spec.passThrough) throw new UsageError(`unexpected '--'`);
      parsed.rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      parsed.operands.push(arg);
      continue;
    }
    // `--level=9` as well as `--level 9`, as most CLIs accept both.
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const known = byFlag.get(flag);
    if (known === undefined && spec.nodeFlags && isNodeFlag(arg)) {
      parsed.nodeFlags.push(arg);
      if (equals === -1 && NODE_FLAGS_WITH_VALUES.has(arg)) {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`node option '${arg}' needs a value`);
        parsed.nodeFlags.push(value);
      }
      continue;
    }
    if (known === undefined) throw new UsageError(`unknown option '${flag}'`);
    if (!known.takesValue) {
      if (equals !== -1) throw new UsageError(`option '${flag}' takes no value`);
      parsed.booleans.add(known.name);
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(`option '${flag}' needs a value`);
    if (parsed.values.has(known.name)) throw new UsageError(`option '${flag}' given twice`);
    parsed.values.set(known.name, value);
  }
  return parsed;
}
