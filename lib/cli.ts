#!/usr/bin/env node
/**
 * The `hotzip` command. Only `--help` exists so far; pack, run, ls and verify follow (SPEC §6).
 */
const usage = `Usage: hotzip <command> [options]

Commands (coming in the next release):
  pack <dir> [-o out.zip] [-m entry]   write a reproducible archive
  run <app.zip | dir> [-- args]        run an archive with hot reload
  ls <app.zip>                         list entries, sizes and CRCs
  verify <app.zip>                     check every entry

Today: node --import hotzip/register ./app.zip
`;

const args = process.argv.slice(2);
if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
  process.stdout.write(usage);
} else {
  process.stderr.write(`hotzip: unknown command '${args[0]}'\n\n${usage}`);
  process.exitCode = 2;
}
