/**
 * The upgrade corpus's engine. For one pair (a package at two consecutive releases, installed side by side as npm
 * aliases), it builds the app at each release (`load.mjs` and `node_modules/<name>/…` with its dependencies, the
 * alias folder renamed to the package's own name, so both releases sit at the same paths), and runs three
 * processes: the oracles, natively on each release extracted to disk, and hotzip, which starts on the archive of the
 * older release and has the newer one renamed over it. Then it says what happened to the upgrade.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { closureOf, columnLine, comparable, filesOf, firstDifference, LOAD_MODULE } from '../corpus-npm/harness.js';
import type { Observation, SerializedReport } from '../corpus-npm/observe.js';
import { makeApp, repoRoot, runProcess, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';
import type { Phase, UpgradeDriverConfig, UpgradeLine } from './driver.js';
import type { UpgradePair } from './pairs.js';

/** The folder holding the upgrade corpus's package.json and lockfile. */
export const upgradesDir = path.join(repoRoot, 'test', 'corpus-npm-upgrades');

/**
 * What became of an upgrade:
 * - `applied+parity`: applied, and the program now sees what a fresh process on the newer release sees;
 * - `applied+export-list`: applied; the namespace the program held differs from the newer release only in its list
 *   of keys (an instance's export list is fixed when it links: it keeps a removed name, lacks an added one), every
 *   other value and the smoke call answer as the newer release, and an `import()` after the update gets exactly the
 *   newer release's namespace (documented, how-it-works: exports added or removed by an update);
 * - `applied+kept`: applied, but the program still sees the older release, no changed entry being one it loaded;
 * - `restart-required`: nothing applied, and `restart-required` names the changed entries the program loaded as
 *   CommonJS or JSON, which hotzip cannot load again: its documented behaviour; the older release still works;
 * - `applied+difference`: applied, and the program sees something neither release shows natively (a defect);
 * - `refused-with-code`: rejected with an ERR_HOTZIP_ code naming the archive and entry, the older release still
 *   working as natively (acceptable);
 * - `refused-badly`: rejected without such an error, or with the program broken afterwards (a defect);
 * - `load-difference`: the older release already differs from native before any update (a defect, not the update's);
 * - `crash`: a process died or hung, or the native oracle itself failed.
 */
export type UpgradeVerdict =
  | 'applied+parity'
  | 'applied+export-list'
  | 'applied+kept'
  | 'restart-required'
  | 'applied+difference'
  | 'refused-with-code'
  | 'refused-badly'
  | 'load-difference'
  | 'crash';

/** The verdicts that are not defects. */
export const acceptedVerdicts: readonly UpgradeVerdict[] = [
  'applied+parity',
  'applied+export-list',
  'applied+kept',
  'restart-required',
  'refused-with-code',
];

/** What one upgrade did. */
export interface UpgradeOutcome {
  pair: UpgradePair;
  verdict: UpgradeVerdict;
  /** Archive entries whose bytes differ between the releases (JavaScript ones first). */
  changed: string[];
  /** Modules of the package the update evaluated again. */
  updated: number;
  /** The captured copy of the namespace after the update: `to` when its smoke call answers as the release upgraded
   * to does natively, `from` when as the one it started on (the same answer on both: `same`). */
  captured: 'to' | 'from' | 'same' | 'differs' | '-';
  /** The namespace an `import()` of the package made after the update gets, compared as a whole with both releases
   * natively (as `captured`). */
  reimported: 'to' | 'from' | 'same' | 'differs' | '-';
  detail: string;
  /** The update back to the starting release, in the same process: see `roundTrip`. */
  back: 'parity' | 'refused-with-code' | 'difference' | 'crash' | '-';
  backDetail: string;
  reports: SerializedReport[];
}

/** The round-trip verdicts that are not defects. */
export const acceptedBack: readonly UpgradeOutcome['back'][] = ['parity', 'refused-with-code'];

/**
 * The update back to the starting release: the namespace the program holds (its keys are the starting release's
 * again) and one imported after it must answer as that release natively, or the update be refused with a clear
 * error while the program still answers so.
 */
function roundTrip(zip: SideSeen, start: Observation): Pick<UpgradeOutcome, 'back' | 'backDetail'> {
  if (zip.exit !== 'ok' || zip.back === undefined) {
    return { back: 'crash', backDetail: `${zip.exit}: ${firstError(zip.stderr)}` };
  }
  const error = zip.backReports.find((report) => report.error !== undefined)?.error;
  const held = comparable(zip.back) === comparable(start);
  const again = comparable(zip['back-reimported']) === comparable(start);
  if (error !== undefined) {
    const what = `${error.code}: ${error.message.split('\n')[0]}`;
    return clearRefusal(error) && held
      ? { back: 'refused-with-code', backDetail: what }
      : { back: 'difference', backDetail: what };
  }
  if (held && again) return { back: 'parity', backDetail: '' };
  const seen = held ? (zip['back-reimported'] as Observation) : zip.back;
  return { back: 'difference', backDetail: `${held ? 'import() again' : 'held'}: ${firstDifference(start, seen)}` };
}

const JS_FILE = /\.(c|m)?js$/;
const driverPath = path.join(repoRoot, 'dist', 'test', 'corpus-npm-upgrades', 'driver.js');
const registerPath = path.join(repoRoot, 'dist', 'loader', 'register.js');

/** The alias folder npm installed a release into (package.json's `<name>-<version>`). */
export function aliasOf(name: string, version: string): string {
  return `${name}-${version}`;
}

/** The app at one release: `load.mjs`, the package at `node_modules/<name>/`, and its dependency closure. */
export function releaseTree(name: string, version: string): Tree {
  const alias = aliasOf(name, version);
  const aliasPrefix = `node_modules/${alias}/`;
  const tree: Tree = { 'load.mjs': LOAD_MODULE };
  const dirs = closureOf([alias], upgradesDir);
  if (!dirs.includes(path.join(upgradesDir, 'node_modules', alias))) {
    throw new Error(`${alias} is not installed in ${upgradesDir}/node_modules`);
  }
  for (const dir of dirs) {
    for (const file of filesOf(dir)) {
      let entry = path.relative(upgradesDir, file).split(path.sep).join('/');
      if (entry.startsWith(aliasPrefix)) entry = `node_modules/${name}/${entry.slice(aliasPrefix.length)}`;
      tree[entry] = fs.readFileSync(file);
    }
  }
  return tree;
}

function changedEntries(older: Tree, newer: Tree): string[] {
  const changed: string[] = [];
  for (const name of new Set([...Object.keys(older), ...Object.keys(newer)])) {
    const a = older[name];
    const b = newer[name];
    if (a === undefined || b === undefined || !Buffer.from(a).equals(Buffer.from(b))) changed.push(name);
  }
  return changed.sort((x, y) => Number(!JS_FILE.test(x)) - Number(!JS_FILE.test(y)) || (x < y ? -1 : 1));
}

type SideSeen = { [phase in Phase]?: Observation } & {
  reports: SerializedReport[];
  backReports: SerializedReport[];
  exit: string;
  stderr: string;
};

async function runSide(
  mode: 'native' | 'zip',
  pair: UpgradePair,
  work: string,
  trees: { start: Tree; next?: Tree },
  timeoutMs: number,
): Promise<SideSeen> {
  fs.mkdirSync(work, { recursive: true });
  const config: UpgradeDriverConfig = {
    mode,
    loadUrl: '',
    specifier: pair.specifier ?? pair.name,
    smoke: pair.smoke,
    results: path.join(work, 'results.jsonl'),
    timeoutMs,
  };
  const args: string[] = [];
  let cwd = work;
  if (mode === 'native') {
    writeTree(work, trees.start);
    config.loadUrl = pathToFileURL(path.join(work, 'load.mjs')).href;
  } else {
    cwd = makeApp('hotzip-upgrade-app-');
    config.archive = writeZip(path.join(cwd, 'app.zip'), trees.start);
    config.next = writeZip(path.join(cwd, 'next.zip'), trees.next ?? trees.start);
    config.back = writeZip(path.join(cwd, 'back.zip'), trees.start);
    config.loadUrl = `zip://${pathToFileURL(config.archive).pathname}!/load.mjs`;
    args.push('--import', pathToFileURL(registerPath).href);
  }
  const configFile = path.join(work, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  try {
    const run = await runProcess(process.execPath, [...args, driverPath, configFile], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: undefined, HOTZIP_LOG: 'info' },
      timeoutMs: 4 * timeoutMs + 20_000,
    });
    const seen: SideSeen = {
      reports: [],
      backReports: [],
      exit: run.code === 0 ? 'ok' : `exit ${run.code} ${run.signal ?? ''}`.trim(),
      stderr: run.stderr,
    };
    const text = fs.existsSync(config.results) ? fs.readFileSync(config.results, 'utf8') : '';
    for (const line of text.split('\n').filter((l) => l !== '')) {
      const parsed = JSON.parse(line) as UpgradeLine;
      if (parsed.kind === 'update') (parsed.round === 'next' ? seen.reports : seen.backReports).push(...parsed.reports);
      else seen[parsed.phase] = parsed.observation;
    }
    return seen;
  } finally {
    if (mode === 'zip') fs.rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * Whether `seen` (the held namespace after the update) has the older release's keys and otherwise answers as the
 * newer one: each key both releases have, the members of `default` and the smoke call.
 */
function onlyKeysDiffer(seen: Observation, older: Observation, newer: Observation): boolean {
  const keys = seen.keys ?? {};
  const newerKeys = newer.keys ?? {};
  if (Object.keys(keys).join() !== Object.keys(older.keys ?? {}).join()) return false;
  if (Object.keys(keys).join() === Object.keys(newerKeys).join()) return false;
  const shared = Object.keys(keys).filter((key) => key in newerKeys);
  return (
    shared.every((key) => keys[key] === newerKeys[key]) &&
    JSON.stringify(seen.defaultKeys) === JSON.stringify(newer.defaultKeys) &&
    seen.smoke === newer.smoke
  );
}

function keyChanges(older: Observation, newer: Observation): string {
  const before = Object.keys(older.keys ?? {});
  const after = Object.keys(newer.keys ?? {});
  const added = after.filter((key) => !before.includes(key));
  const removed = before.filter((key) => !after.includes(key));
  return [
    added.length > 0 ? `added ${added.join(', ')}` : '',
    removed.length > 0 ? `removed ${removed.join(', ')}` : '',
  ]
    .filter((part) => part !== '')
    .join('; ');
}

/** Which release `seen` answers as, given what each answers natively. */
function which(
  seen: string | undefined,
  older: string | undefined,
  newer: string | undefined,
): UpgradeOutcome['captured'] {
  if (seen === undefined) return '-';
  if (older === newer) return seen === newer ? 'same' : 'differs';
  return seen === newer ? 'to' : seen === older ? 'from' : 'differs';
}

/** The first line of a child's stderr that names an error (else its last lines): what a crash says. */
function firstError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((line) => /\b\w*Error\b|ERR_/.test(line)) ?? lines.slice(-3).join(' | ');
}

function smokeOf(observation: Observation | undefined): string | undefined {
  return observation?.ok === true ? observation.smoke : undefined;
}

/** Whether an update error is a clear refusal: an ERR_HOTZIP_ code, the archive's name and an entry. */
function clearRefusal(error: { code: string; message: string }): boolean {
  return /^ERR_HOTZIP_/.test(error.code) && error.message.includes('app.zip') && /!\/\S/.test(error.message);
}

/** The same pair the other way round: from its newer release back to its older one (real diffs, reversed). */
export function downgrade(pair: UpgradePair): UpgradePair {
  return { ...pair, from: pair.to, to: pair.from };
}

/**
 * Runs one pair (from `pair.from` to `pair.to`, whichever is newer): both oracles and the upgrade under hotzip, at
 * once, and classifies the result.
 */
export async function runPair(pair: UpgradePair, timeoutMs = 15_000): Promise<UpgradeOutcome> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `hotzip-upgrade-${pair.name}-`));
  try {
    // "older" and "newer" are the release the program starts on and the one it moves to (a downgrade swaps them).
    const older = releaseTree(pair.name, pair.from);
    const newer = releaseTree(pair.name, pair.to);
    const changed = changedEntries(older, newer);
    const [nativeOld, nativeNew, zip] = await Promise.all([
      runSide('native', pair, path.join(work, 'native-from'), { start: older }, timeoutMs),
      runSide('native', pair, path.join(work, 'native-to'), { start: newer }, timeoutMs),
      runSide('zip', pair, path.join(work, 'zip'), { start: older, next: newer }, timeoutMs),
    ]);
    const marker = `!/node_modules/${pair.name}/`;
    const updated = new Set(zip.reports.flatMap((r) => r.updated).filter((url) => url.includes(marker))).size;
    const outcome: UpgradeOutcome = {
      pair,
      verdict: 'crash',
      changed,
      updated,
      captured: '-',
      reimported: '-',
      detail: '',
      back: '-',
      backDetail: '',
      reports: zip.reports,
    };
    const finish = (verdict: UpgradeVerdict, detail: string): UpgradeOutcome =>
      Object.assign(outcome, { verdict, detail });
    for (const [side, seen] of [
      ['native (older)', nativeOld],
      ['native (newer)', nativeNew],
    ] as const) {
      if (seen.exit !== 'ok' || seen.before?.ok !== true) {
        return finish('crash', `${side}: ${seen.exit}, ${seen.before?.error?.message ?? firstError(seen.stderr)}`);
      }
    }
    if (zip.before === undefined) return finish('crash', `hotzip: ${zip.exit}: ${firstError(zip.stderr)}`);
    if (comparable(zip.before) !== comparable(nativeOld.before)) {
      return finish('load-difference', firstDifference(nativeOld.before as Observation, zip.before));
    }
    if (zip.exit !== 'ok' || zip.after === undefined) {
      return finish('crash', `hotzip after the update: ${zip.exit}: ${firstError(zip.stderr)}`);
    }
    const nativeNewAfter = nativeNew.after as Observation;
    Object.assign(outcome, roundTrip(zip, nativeOld.after as Observation));
    const nativeOldAfter = nativeOld.after as Observation;
    outcome.captured = which(smokeOf(zip.captured), smokeOf(nativeOldAfter), smokeOf(nativeNewAfter));
    outcome.reimported =
      zip.reimported === undefined
        ? '-'
        : which(comparable(zip.reimported), comparable(nativeOldAfter), comparable(nativeNewAfter));
    const error = zip.reports.find((report) => report.error !== undefined)?.error;
    const restart = zip.reports.some((report) => report.restartRequired.length > 0);
    const seesNew = comparable(zip.after) === comparable(nativeNewAfter);
    const seesOld = comparable(zip.after) === comparable(nativeOldAfter);
    if (error === undefined && restart && seesOld) {
      const named = zip.reports.flatMap((report) => report.restartRequired);
      return finish(
        'restart-required',
        `restart required to apply ${named.map((url) => url.split('!/')[1]).join(', ')}`,
      );
    }
    if (error !== undefined || restart) {
      const what = error !== undefined ? `${error.code}: ${error.message.split('\n')[0]}` : 'restart required';
      if (error !== undefined && clearRefusal(error) && seesOld) return finish('refused-with-code', what);
      return finish('refused-badly', seesOld ? what : `${what}; then: ${firstDifference(nativeOldAfter, zip.after)}`);
    }
    if (seesNew) {
      const notes = [
        seesOld ? 'both releases look the same to the smoke call' : '',
        updated === 0 ? 'no module of it evaluated again (what changed in what it loads is not an ES module)' : '',
      ];
      return finish('applied+parity', notes.filter((note) => note !== '').join('; '));
    }
    if (outcome.reimported === 'to' && onlyKeysDiffer(zip.after, nativeOldAfter, nativeNewAfter)) {
      return finish(
        'applied+export-list',
        `held namespace keeps the older release's keys: ${keyChanges(nativeOldAfter, nativeNewAfter)}`,
      );
    }
    const changedScripts = changed.filter((entry) => JS_FILE.test(entry));
    if (seesOld && updated === 0) {
      return finish('applied+kept', `${changedScripts.length} changed entries, none an ES module hotzip reloads`);
    }
    return finish('applied+difference', firstDifference(nativeNewAfter, zip.after));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The outcomes as a table: package, releases, changed entries, modules updated, verdict, captured copy, detail. */
export function formatUpgrades(outcomes: readonly UpgradeOutcome[]): string {
  const header = ['package', 'from → to', 'changed', 'updated', 'verdict', 'captured', 'reimported', 'back', 'detail'];
  const rows = outcomes.map((o) => [
    o.pair.name,
    `${o.pair.from} → ${o.pair.to}`,
    String(o.changed.length),
    String(o.updated),
    o.verdict,
    o.captured,
    o.reimported,
    o.back,
    [o.detail, o.backDetail === '' ? '' : `back: ${o.backDetail}`]
      .filter((part) => part !== '')
      .join('; ')
      .slice(0, 160),
  ]);
  const line = columnLine(header, rows);
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.verdict, (counts.get(o.verdict) ?? 0) + 1);
  const backs = new Map<string, number>();
  for (const o of outcomes) backs.set(o.back, (backs.get(o.back) ?? 0) + 1);
  return [
    line(header),
    ...rows.map(line),
    '',
    `totals: ${outcomes.length} upgrades; ${[...counts].map(([verdict, n]) => `${verdict} ${n}`).join(', ')}; ` +
      `back to the starting release: ${[...backs].map(([verdict, n]) => `${verdict} ${n}`).join(', ')}`,
  ].join('\n');
}
