/**
 * test262 module tests, natively and through hotzip (from a zip, and again after a forced update of every module):
 *
 *   node dist/test/test262/cli.js [--mode native|zip|zip-updated|both|all] [--filter substr] [--jobs N] [--batch N]
 *                                 [--timeout ms] [--node path] [--root dir] [--no-package-json] [--verbose] [--keep]
 *
 * `both` is native and zip; `all` (the default) adds zip-updated. Prints a summary, the failing tests of each mode
 * (with --verbose), the allowed zip-updated failures and the parity mismatches; exits 1 on any parity mismatch or
 * stale allowlist entry, 2 on a usage error. Does nothing when imported rather than run (node --test may load it).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  allModes,
  defaultTest262Root,
  describeOutcome,
  listModuleTests,
  type Mode,
  normalizeMessage,
  type RunOptions,
  runTests,
  summarize,
  zipModes,
} from './runner.js';

const usage =
  'usage: cli.js [--mode native|zip|zip-updated|both|all] [--filter substr] [--jobs N] [--batch N] [--timeout ms] [--node path] ' +
  '[--root dir] [--no-package-json] [--verbose] [--keep]';

export async function main(argv: string[]): Promise<number> {
  let modes: Mode[] = [...allModes];
  const filters: string[] = [];
  const options: RunOptions = { jobs: 2 };
  let root = defaultTest262Root;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const number = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} needs a positive integer`);
      return n;
    };
    if (arg === '--mode') {
      const mode = value();
      if (mode === 'both') modes = ['native', 'zip'];
      else if (mode === 'all') modes = [...allModes];
      else if ((allModes as readonly string[]).includes(mode)) modes = [mode as Mode];
      else throw new Error(`unknown mode ${mode}`);
    } else if (arg === '--filter') filters.push(value());
    else if (arg === '--jobs') options.jobs = number();
    else if (arg === '--batch') options.batchSize = number();
    else if (arg === '--timeout') options.timeoutMs = number();
    else if (arg === '--node') options.node = value();
    else if (arg === '--root') root = value();
    else if (arg === '--verbose') verbose = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--no-package-json') options.packageJson = false;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      return 0;
    } else throw new Error(`unknown argument ${arg}`);
  }
  options.root = root;
  const tests = listModuleTests(root).filter((t) => filters.length === 0 || filters.some((f) => t.rel.includes(f)));
  const started = performance.now();
  const results = await runTests(tests, modes, options);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = summarize(tests, results);

  const out: string[] = [];
  // The Node under test, which --node may make another than the one running this report.
  const version = options.node
    ? execFileSync(options.node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '')
    : process.versions.node;
  out.push(`test262 module tests on Node ${version}${options.node ? ` (${options.node})` : ''}`);
  out.push(`selected: ${summary.total}   wall: ${seconds} s   jobs: ${options.jobs}`);
  for (const mode of modes) out.push(`${mode}: ${summary.pass[mode]} pass, ${summary.fail[mode]} fail`);
  if (verbose) {
    for (const mode of modes) {
      const failing = [...results.get(mode)!].filter(([, o]) => o.status !== 'pass');
      out.push(`\n${mode} failures (${failing.length}):`);
      for (const [rel, outcome] of failing) out.push(`  ${rel}: ${describeOutcome(outcome)}`);
    }
    if (summary.leaked.length > 0) {
      out.push(`\ntests that changed globals (restored before the next test):`);
      for (const leak of summary.leaked) out.push(`  [${leak.mode}] ${leak.rel}: ${leak.names.join(', ')}`);
    }
  }
  const compared = modes.includes('native') && modes.some((mode) => zipModes.includes(mode));
  if (compared) {
    const pad = (mode: string): string => `${mode}:`.padEnd(13);
    out.push(`\nsame outcome, different error message (informational): ${summary.messageDiffs.length}`);
    for (const m of summary.messageDiffs) {
      out.push(
        `  [${m.mode}] ${m.rel}\n    ${pad('native')}${normalizeMessage(m.native.message)}\n` +
          `    ${pad(m.mode)}${normalizeMessage(m.other.message)}`,
      );
    }
    if (modes.includes('zip-updated')) {
      out.push(`\nzip-updated failures inherent to a second evaluation (allowed): ${summary.allowed.length}`);
      for (const m of summary.allowed) out.push(`  ${m.rel}: ${describeOutcome(m.other)}\n    why: ${m.reason}`);
      if (summary.staleAllowed.length > 0) {
        out.push(`\nallowlisted but passing in zip-updated (remove from inherentUpdateFailures):`);
        for (const rel of summary.staleAllowed) out.push(`  ${rel}`);
      }
    }
    out.push(`\nparity mismatches: ${summary.mismatches.length}`);
    for (const m of summary.mismatches) {
      out.push(
        `  [${m.mode}] ${m.rel}\n    ${pad('native')}${describeOutcome(m.native)}\n` +
          `    ${pad(m.mode)}${describeOutcome(m.other)}`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return summary.mismatches.length > 0 || summary.staleAllowed.length > 0 ? 1 : 0;
}

const invoked = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked && process.env.NODE_TEST_CONTEXT === undefined) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
      process.exitCode = 2;
    },
  );
}
