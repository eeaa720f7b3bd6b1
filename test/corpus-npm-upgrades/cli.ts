/**
 * `npm run corpus:upgrades`: every pair of the upgrade corpus (real consecutive releases of npm packages), each
 * upgraded in place under hotzip and compared with fresh native processes on both releases; prints one line per
 * pair and the totals. Exits 1 when any upgrade ends in a verdict that is not accepted. Options: `--only a,b`,
 * `--json <file>` (outcomes, with the update reports), `--downgrades` (each pair the other way round too: the same
 * real diffs reversed); `HOTZIP_CORPUS_DEBUG=1` prints the details of every pair.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CorpusInstallError, ensureInstalled } from '../corpus-npm/install.js';
import {
  acceptedBack,
  acceptedVerdicts,
  downgrade,
  formatUpgrades,
  runPair,
  type UpgradeOutcome,
  upgradesDir,
} from './harness.js';
import { upgradePairs } from './pairs.js';

const { values } = parseArgs({
  options: { only: { type: 'string' }, json: { type: 'string' }, downgrades: { type: 'boolean', default: false } },
});

try {
  console.error(`upgrade corpus: ${ensureInstalled(upgradesDir)}`);
} catch (error) {
  if (error instanceof CorpusInstallError) {
    console.error(`upgrade corpus: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const only = values.only?.split(',');
const chosen = upgradePairs.filter((pair) => only === undefined || only.includes(pair.name));
const pairs = values.downgrades ? [...chosen, ...chosen.map(downgrade)] : chosen;
console.log(`hotzip upgrade corpus — Node ${process.versions.node}, ${pairs.length} upgrades`);
const started = performance.now();
const outcomes: UpgradeOutcome[] = [];
for (const pair of pairs) {
  const outcome = await runPair(pair);
  outcomes.push(outcome);
  console.error(`${pair.name}: ${outcome.verdict}${outcome.detail === '' ? '' : ` (${outcome.detail.slice(0, 200)})`}`);
  if (process.env.HOTZIP_CORPUS_DEBUG) console.error(JSON.stringify(outcome, null, 2));
}
console.log(formatUpgrades(outcomes));
console.log(`upgrades run in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (values.json !== undefined) fs.writeFileSync(values.json, JSON.stringify(outcomes, null, 2));
process.exit(outcomes.every((o) => acceptedVerdicts.includes(o.verdict) && acceptedBack.includes(o.back)) ? 0 : 1);
