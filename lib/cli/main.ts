#!/usr/bin/env node
/**
 * The `hotzip` command: pack, run, ls, verify. Exit codes: 0 success, 1 failure (a missing or damaged
 * archive, a pack that cannot be made, the program run failing), 2 bad usage. Output has no color, so NO_COLOR and
 * dumb terminals need nothing special.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describePack, entryCount, packDirectory } from '../archive/pack.js';
import { describeError, limitProblems } from './archive.js';
import { type ArgSpec, type ParsedArgs, parseArgs } from './args.js';
import { CliError, commandFailed, usageError } from './error.js';
import { formatListing, listArchive } from './ls.js';
import { runTarget } from './run.js';
import { verifyArchive } from './verify.js';
import { TreeWatcher } from './watch.js';

const mainUsage = `Usage: hotzip <command> [options]

Commands:
  pack <dir> [-o out.zip] [-m entry] [--store | --level N] [--watch]
                                 write a reproducible archive of a directory
  run [node flags] <app.zip | dir> [-m entry] [-- args]
                                 run an archive's (or directory's) main module with hot reload
  ls <app.zip> [--json]          list entries: sizes, CRC-32, method
  verify <app.zip>               check the whole archive, inflating every entry

Run 'hotzip <command> --help' for a command's options.
Exit codes: 0 success, 1 failure, 2 bad usage.
`;

interface Command {
  usage: string;
  spec: ArgSpec;
  /** Runs the command; resolves to its exit code. */
  run(args: ParsedArgs): Promise<number> | number;
}

/** Exactly one operand, named `what` in the message when it is missing or doubled. */
function oneOperand(args: ParsedArgs, what: string): string {
  if (args.operands.length === 0) throw usageError(`missing ${what}`);
  if (args.operands.length > 1) throw usageError(`unexpected argument '${args.operands[1]}'`);
  return args.operands[0] as string;
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function packLevel(args: ParsedArgs): number {
  const level = args.values.get('level');
  if (args.booleans.has('store')) {
    if (level !== undefined) throw usageError(`--store and --level cannot be used together`);
    return 0;
  }
  if (level === undefined) return 6;
  if (!/^[0-9]$/.test(level)) throw usageError(`--level must be an integer from 0 to 9, not '${level}'`);
  return Number(level);
}

async function pack(args: ParsedArgs): Promise<number> {
  const dir = oneOperand(args, '<dir>');
  const level = packLevel(args);
  const main = args.values.get('main');
  const stats = fs.statSync(dir, { throwIfNoEntry: false });
  if (stats === undefined) throw commandFailed(`cannot pack ${dir}: no such directory`);
  if (!stats.isDirectory()) throw commandFailed(`cannot pack ${dir}: not a directory`);
  const onProgress = (message: string) => process.stderr.write(`hotzip pack: ${message}…\n`);
  const output = args.values.get('output') ?? `${path.basename(path.resolve(dir)) || 'app'}.zip`;
  const once = () => {
    try {
      const keepOverEmpty = args.booleans.has('watch');
      const result = packDirectory(dir, output, { level, main, onProgress, keepOverEmpty });
      out(describePack(result, output));
      for (const problem of limitProblems(output)) {
        process.stderr.write(`hotzip pack: warning: the loader will refuse this: ${problem}\n`);
      }
      return result;
    } catch (error) {
      throw commandFailed(`cannot pack ${dir}: ${describeError(error)}`);
    }
  };
  if (!args.booleans.has('watch')) {
    once();
    return 0;
  }
  // Watch mode survives a failed pack (a file mid-save, -m naming a file not yet written, the folder deleted by a
  // build that cleans it): it says so, once for as long as the reason stays the same, and waits.
  let said: string | undefined;
  const attempt = (): string[] | undefined => {
    try {
      const { directories } = once();
      said = undefined;
      return directories;
    } catch (error) {
      const message = fs.existsSync(dir)
        ? (error as Error).message
        : `${dir} is gone: ${output} is kept as it is until it is back`;
      if (message !== said) process.stderr.write(`hotzip pack: ${message}\n`);
      said = message;
      return undefined;
    }
  };
  let directories = attempt() ?? [dir];
  const watcher = new TreeWatcher(() => {
    directories = attempt() ?? directories;
    watcher.sync(directories);
  });
  watcher.sync(directories);
  process.stderr.write(`hotzip pack: watching ${dir} for changes (Ctrl-C to stop)\n`);
  return new Promise((resolve) => {
    const stop = () => {
      watcher.close();
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

const commands: Record<string, Command> = {
  pack: {
    usage: `Usage: hotzip pack <dir> [-o out.zip] [-m entry] [--store | --level N] [--watch]

Writes a reproducible archive of <dir>: entries sorted by name, every timestamp 1980-01-01 00:00 and every mode
0644, so the same tree always gives the same bytes. Skips .git and node_modules/.cache. The archive is written to a
temp file and renamed into place, so a running program never reads a half-written archive; an unchanged archive is
not rewritten.

Options:
  -o, --output <file>  archive to write (default: <dir name>.zip in the current directory)
  -m, --main <entry>   set "main" in the archive's root package.json (created if missing; the file on disk is
                       not changed)
  --store              store entries uncompressed (same as --level 0)
  --level <N>          deflate level 0-9 (default 6)
  -w, --watch          pack again ~100 ms after each change under <dir>, until Ctrl-C; a <dir> left with no
                       files (a build cleaning it) keeps the archive as it is until files appear
  -h, --help           show this help
`,
    spec: {
      values: { output: ['-o'], main: ['-m'], level: [] },
      booleans: { store: [], watch: ['-w'] },
    },
    run: pack,
  },
  run: {
    usage: `Usage: hotzip run [node flags] <app.zip | dir> [-m entry] [-- args]

Runs the archive's main module (package.json "exports" ".", then "main", then index.js) in a child node with
hotzip/register: changes to the archive are applied in place, without a restart. A directory is packed to a temp
archive first and packed again on every change; its bare imports resolve from the directory (its own and its
parents' node_modules), and errors name its source files. The child is restarted only when an update cannot be
applied in place (restart-required: a module called import.meta.hot.decline(), or changed its re-exports). After a
failed start or a crash, hotzip run waits for the next change and starts the program again, as node --watch does.
SIGINT and SIGTERM are passed to the child; when the program completes, hotzip run exits with its exit code.

Node's own flags (--inspect, --enable-source-maps, --conditions=x, -r x, ...) are passed to the child.

Options:
  -m, --main <entry>  for a directory: the main module, as with 'hotzip pack -m'
  -h, --help          show this help
`,
    spec: { passThrough: true, nodeFlags: true, values: { main: ['-m'] } },
    run: async (args) => {
      const target = oneOperand(args, '<app.zip | dir>');
      const outcome = await runTarget(target, {
        args: args.rest,
        main: args.values.get('main'),
        nodeFlags: args.nodeFlags,
      });
      if ('code' in outcome) return outcome.code;
      // Dying of the same signal tells the shell what happened (exit status 128+n), as the child did.
      process.kill(process.pid, outcome.signal);
      return 128 + (os.constants.signals[outcome.signal] ?? 0);
    },
  },
  ls: {
    usage: `Usage: hotzip ls <app.zip> [--json]

Lists the archive's entries: size, compressed size, method (store or deflate), CRC-32 and name. Entries the loader
never serves (unsafe names, symbolic links) are listed last with the reason.

Options:
  --json       print a JSON object instead of a table
  -h, --help   show this help
`,
    spec: { booleans: { json: [] } },
    run: (args) => {
      const listing = listArchive(oneOperand(args, '<app.zip>'));
      out(args.booleans.has('json') ? JSON.stringify(listing, null, 2) : formatListing(listing.entries));
      return 0;
    },
  },
  verify: {
    usage: `Usage: hotzip verify <app.zip>

Checks the whole archive with the loader's reader and limits (HOTZIP_MAX_*): the end records, central directory and
local headers, then every entry inflated and its size and CRC-32 compared. Exits 0 when it is sound, 1 with the
reasons (each with its error code) when it is not.

Options:
  -h, --help   show this help
`,
    spec: {},
    run: (args) => {
      const file = oneOperand(args, '<app.zip>');
      out(`ok: ${file}: ${entryCount(verifyArchive(file))}`);
      return 0;
    },
  },
};

/** Control characters (a NUL in a hostile entry name) shown as \\uXXXX, so a message cannot garble the terminal. */
function escapeControls(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return line.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(mainUsage);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainUsage);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const manifest = new URL('../../../package.json', import.meta.url);
    out((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version);
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`hotzip: unknown command '${name}' (ERR_HOTZIP_USAGE)\n\n${mainUsage}`);
    return 2;
  }
  const dashDash = rest.indexOf('--');
  const own = dashDash === -1 ? rest : rest.slice(0, dashDash);
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.spec));
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    if (error.exitCode === 2) {
      process.stderr.write(
        `hotzip ${name}: ${error.message} (${error.code})\nRun 'hotzip ${name} --help' for usage.\n`,
      );
      return 2;
    }
    const lines = [error.message, ...error.details.map((d) => `  ${d}`)].map(escapeControls);
    process.stderr.write(`hotzip ${name}: ${lines.join('\n')}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
