/** The `hotzip` command line, parsed in-process: what each command accepts, and the usage errors it gives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ArgSpec, parseArgs } from '../../lib/cli/args.js';
import { CliError, commandFailed } from '../../lib/cli/error.js';
import { HotzipError } from '../../lib/errors.js';

const pack: ArgSpec = { values: { output: ['-o'], main: ['-m'], level: [] }, booleans: { store: [], watch: ['-w'] } };
const run: ArgSpec = { passThrough: true, nodeFlags: true, values: { main: ['-m'] } };

test('flags, aliases, inline values and operands', () => {
  const parsed = parseArgs(['src', '-o', 'out.zip', '--level=3', '-w', '--main', './x.js'], pack);
  assert.deepEqual(parsed.operands, ['src']);
  assert.deepEqual(Object.fromEntries(parsed.values), { output: 'out.zip', level: '3', main: './x.js' });
  assert.deepEqual([...parsed.booleans], ['watch']);
  assert.deepEqual(parseArgs(['-', '-o', '-'], pack).operands, ['-']);
});

test('bad flags are usage errors with a code and a message naming the flag', () => {
  const cases: Array<[string[], ArgSpec, string]> = [
    [['--deep', 'a.zip'], {}, "unknown option '--deep'"],
    [['--deep=1'], {}, "unknown option '--deep'"],
    [['-x'], pack, "unknown option '-x'"],
    [['src', '-o'], pack, "option '-o' needs a value"],
    [['src', '--output='], pack, "option '--output' needs a value"],
    [['--store=yes'], pack, "option '--store' takes no value"],
    [['-o', 'a.zip', '--output', 'b.zip'], pack, "option '--output' given twice"],
    [['a', '--', 'b'], pack, "unexpected '--'"],
    [['--inspect', 'app.zip'], pack, "unknown option '--inspect'"],
    [['-r'], run, "node option '-r' needs a value"],
    [['--not-a-node-flag', 'app.zip'], run, "unknown option '--not-a-node-flag'"],
  ];
  for (const [argv, spec, message] of cases) {
    assert.throws(
      () => parseArgs(argv, spec),
      (error: unknown) => {
        assert.ok(error instanceof CliError, `${argv.join(' ')}: ${String(error)}`);
        assert.equal(error.code, 'ERR_HOTZIP_USAGE');
        assert.equal(error.exitCode, 2);
        assert.equal(error.message, message);
        return true;
      },
      argv.join(' '),
    );
  }
});

test("run passes Node's flags on, in order, and everything after -- to the program", () => {
  const parsed = parseArgs(
    [
      '--inspect',
      '-r',
      './setup.cjs',
      '--conditions=dev',
      '--enable-source-maps',
      'app.zip',
      '-m',
      'x.js',
      '--',
      '-r',
      '--x',
    ],
    run,
  );
  assert.deepEqual(parsed.nodeFlags, ['--inspect', '-r', './setup.cjs', '--conditions=dev', '--enable-source-maps']);
  assert.deepEqual(parsed.operands, ['app.zip']);
  assert.equal(parsed.values.get('main'), 'x.js');
  assert.deepEqual(parsed.rest, ['-r', '--x']);
  assert.deepEqual(parseArgs(['-C', 'dev', 'app.zip'], run).nodeFlags, ['-C', 'dev']);
});

test('one error type for the command: usage (exit 2) and failures (exit 1) alike', () => {
  const failure = commandFailed('cannot read archive a.zip: no such file', ['detail']);
  assert.ok(failure instanceof CliError);
  assert.ok(failure instanceof HotzipError);
  assert.equal(failure.code, 'ERR_HOTZIP_COMMAND_FAILED');
  assert.equal(failure.exitCode, 1);
  assert.deepEqual(failure.details, ['detail']);
  assert.ok(!(new HotzipError('ERR_HOTZIP_LIMIT', 'x') instanceof CliError));
});
