/**
 * `npm run corpus`: the whole npm corpus, natively and from an archive with hot reload on, before and after an
 * update that changes every module; prints the table and totals, then the transform's parser check over every ES
 * module of the corpus. Exits 1 when any package differs beyond the allowed differences, or any module fails the
 * check. Options: `--only a,b` (those packages), `--batch N` (packages per process), `--json <file>` (outcomes),
 * `--skip-syntax`; `HOTZIP_CORPUS_DEBUG=1` prints every child's stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, runCorpus } from './harness.js';
import { CorpusInstallError, corpusModules, ensureCorpusInstalled } from './install.js';
import { corpusPackages } from './packages.js';
import { checkTransformed, esModuleFiles, type ReassignedTally } from './syntax-check.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    batch: { type: 'string', default: '25' },
    json: { type: 'string' },
    'skip-syntax': { type: 'boolean', default: false },
  },
});

try {
  console.error(`corpus: ${ensureCorpusInstalled()}`);
} catch (error) {
  if (error instanceof CorpusInstallError) {
    console.error(`corpus: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const names = values.only?.split(',') ?? corpusPackages.map((item) => item.name);
const traits = new Map<string, number>();
for (const item of corpusPackages) {
  if (names.includes(item.name)) for (const trait of item.traits ?? []) traits.set(trait, (traits.get(trait) ?? 0) + 1);
}
console.log(
  `hotzip npm corpus — Node ${process.versions.node}, ${names.length} packages (${[...traits].map(([trait, n]) => `${n} ${trait}`).join(', ')})`,
);
const started = performance.now();
const outcomes = await runCorpus(names, {
  batchSize: Number(values.batch),
  timeoutMs: 15_000,
  progress: (message) => console.error(message),
});
console.log(formatTable(outcomes));
console.log(`packages run in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (values.json !== undefined) fs.writeFileSync(values.json, JSON.stringify(outcomes, null, 2));

let syntaxFailures = 0;
if (!values['skip-syntax']) {
  const checkStarted = performance.now();
  let checked = 0;
  let skipped = 0;
  const seen = new Set<string>();
  const reassigned: ReassignedTally = { reassigned: 0, extra: 0, extraModules: [] };
  for (const name of names) {
    const dir = fs.realpathSync(path.join(corpusModules, name));
    for (const file of esModuleFiles(dir)) {
      if (seen.has(file)) continue;
      seen.add(file);
      try {
        const url = `zip:///corpus.zip!/${path.relative(corpusModules, file)}`;
        if (checkTransformed(fs.readFileSync(file, 'utf8'), url, { reassigned }) === 'checked') {
          checked++;
        } else skipped++;
      } catch (error) {
        syntaxFailures++;
        if (syntaxFailures <= 40) console.log(`  ${(error as Error).message}`);
      }
    }
  }
  console.log(
    `transform parser check: ${checked + syntaxFailures} ES modules, ${syntaxFailures} failed, ${skipped} not parsed by acorn itself, in ${((performance.now() - checkStarted) / 1000).toFixed(1)} s`,
  );
  // Failures above include any export the module reassigns that a new version would not list; these are the
  // listed exports it never reassigns (slower calls, no difference).
  console.log(
    `reassigned exports: ${reassigned.reassigned} found by the parser, all listed; ${reassigned.extra} listed beyond them, in ${reassigned.extraModules.length} modules`,
  );
  for (const line of reassigned.extraModules.slice(0, 20)) console.log(`  ${line}`);
}
const unexpected = outcomes.filter((o) => o.cause !== undefined && o.allowed === undefined).length;
process.exit(unexpected > 0 || syntaxFailures > 0 ? 1 : 0);
