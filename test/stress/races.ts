/**
 * The race scenario: an archive written in place with a pause in the middle (torn), renamed over,
 * deleted and recreated, round after round, while the process reloads. Two modules carry the same version, and the
 * app checks on every timer tick that it never sees them disagree (a partial update).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeApp, type Tree, zipBytes } from '../helpers/fixtures.js';
import { HotApp, hostMain, moduleTree } from '../helpers/hot-app.js';

/** What a race run measured. */
export interface RaceReport {
  rounds: number;
  /** Ticks on which the app saw the two modules at different versions (must be 0). */
  partial: number;
  /** The version the app ended on (must be the last one written). */
  final: number;
  crashed: boolean;
  ms: number;
}

function tree(version: number): Tree {
  return moduleTree({
    'a.js': `export const v = ${version};\n`,
    'b.js': `import { v as av } from './a.js';\nexport const v = ${version};\nexport const same = () => av === v;\n`,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `rounds` rounds of torn in-place writes, renames and delete-then-recreate against a running app. */
export async function race(rounds: number): Promise<RaceReport> {
  const started = performance.now();
  const dir = makeApp('hotzip-race-');
  const archive = path.join(dir, 'app.zip');
  fs.writeFileSync(archive, zipBytes(tree(0)));
  const app = new HotApp(
    dir,
    hostMain(
      [
        "import { v as a } from 'zip:./app.zip!/a.js';",
        "import { v as b, same } from 'zip:./app.zip!/b.js';",
        'let partial = 0;',
        'setInterval(() => { if (a !== b || !same()) partial++; }, 0);',
        'globalThis.partialCount = () => partial;',
      ].join('\n'),
      '{ a, b, partial: globalThis.partialCount() }',
    ),
    { HOTZIP_LOG: 'silent' },
  );
  let crashed = false;
  let final = -1;
  let partial = 0;
  try {
    await app.next(/^READY/);
    for (let round = 1; round <= rounds; round++) {
      const bytes = zipBytes(tree(round));
      switch (round % 3) {
        case 0: {
          // Torn: written in place in two halves with a pause between.
          const fd = fs.openSync(archive, 'w');
          fs.writeSync(fd, bytes, 0, bytes.length >> 1);
          await sleep(1);
          fs.writeSync(fd, bytes, bytes.length >> 1, bytes.length - (bytes.length >> 1), bytes.length >> 1);
          fs.closeSync(fd);
          break;
        }
        case 1:
          fs.writeFileSync(`${archive}.tmp`, bytes);
          fs.renameSync(`${archive}.tmp`, archive);
          break;
        default:
          fs.rmSync(archive, { force: true });
          await sleep(1);
          fs.writeFileSync(archive, bytes);
      }
      if (round % 10 === 0) await sleep(2);
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      const state = (await app.state()) as { a: number; b: number; partial: number };
      final = state.a === state.b ? state.a : -1;
      partial = state.partial;
      if (final === rounds || Date.now() > deadline) break;
      await sleep(50);
    }
  } catch {
    crashed = true;
  } finally {
    crashed ||= app.child.exitCode !== null;
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rounds, partial, final, crashed, ms: Math.round(performance.now() - started) };
}
