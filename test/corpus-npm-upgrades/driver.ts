/**
 * The child program of the upgrade corpus: imports one package through the app's `load.mjs` and describes it
 * (observe.ts: shapes and the smoke call). Natively it describes the same namespace a second time (the first smoke
 * call may have filled lazy state). Under hotzip it keeps a copy of the namespace's values (functions captured the
 * way a program keeps a handler), renames the archive holding the next release over the one in use, applies it with
 * `reload()`, and describes the live namespace, the captured copy, and the namespace an `import()` made after the
 * update gets; then it goes back to the starting release the same way and describes all three again. Writes one
 * JSON line per step.
 *
 * Usage: node [--import …/register.js] driver.js <config.json>
 */
import * as fs from 'node:fs';
import {
  applyUpdate,
  errorOf,
  type Observation,
  observe,
  type SerializedReport,
  withTimeout,
} from '../corpus-npm/observe.js';

/** What the harness passes to the driver. */
export interface UpgradeDriverConfig {
  mode: 'native' | 'zip';
  /** URL of the app's `load.mjs`. */
  loadUrl: string;
  /** What `load.mjs` imports. */
  specifier: string;
  /** The smoke call, an expression of the namespace `m`. */
  smoke: string;
  /** JSON lines are appended here. */
  results: string;
  /** zip mode: the archive in use, the archive holding the next release that is renamed over it, and one holding
   * the starting release again, renamed over it next (the round trip back). */
  archive?: string;
  next?: string;
  back?: string;
  timeoutMs: number;
}

/** One line of the results file. */
export type UpgradeLine =
  | { kind: 'observation'; phase: Phase; observation: Observation }
  | { kind: 'update'; round: 'next' | 'back'; reports: SerializedReport[]; waitedMs: number };

/** What an observation describes: the namespace before the update, after it (as held, as captured, as imported
 * again), and the same after the update back to the starting release. */
export type Phase = 'before' | 'after' | 'captured' | 'reimported' | 'back' | 'back-captured' | 'back-reimported';

async function describe(namespace: object, config: UpgradeDriverConfig): Promise<Observation> {
  const smoke = new Function('m', `return (${config.smoke});`) as (m: object) => unknown;
  try {
    return await observe(namespace, config.timeoutMs, smoke);
  } catch (error) {
    return { ok: false, error: errorOf(error) };
  }
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (configFile === undefined) throw new Error('usage: driver.js <config.json>');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as UpgradeDriverConfig;
  const write = (line: UpgradeLine): void => fs.appendFileSync(config.results, `${JSON.stringify(line)}\n`);
  const { load } = (await import(config.loadUrl)) as { load: (name: string) => Promise<object> };
  let namespace: object;
  try {
    namespace = await withTimeout(load(config.specifier), config.timeoutMs, `import('${config.specifier}')`);
  } catch (error) {
    write({ kind: 'observation', phase: 'before', observation: { ok: false, error: errorOf(error) } });
    process.exit(0);
  }
  write({ kind: 'observation', phase: 'before', observation: await describe(namespace, config) });
  const captured: Record<string, unknown> = {};
  for (const key of Object.keys(namespace)) captured[key] = (namespace as Record<string, unknown>)[key];
  const reimport = async (): Promise<Observation> => {
    try {
      return await describe(
        await withTimeout(load(config.specifier), config.timeoutMs, `import('${config.specifier}')`),
        config,
      );
    } catch (error) {
      return { ok: false, error: errorOf(error) };
    }
  };
  if (config.mode === 'zip' && config.archive !== undefined && config.next !== undefined) {
    write({ kind: 'update', round: 'next', ...(await applyUpdate(config.archive, config.next, 1000)) });
  }
  write({ kind: 'observation', phase: 'after', observation: await describe(namespace, config) });
  if (config.mode === 'zip' && config.archive !== undefined) {
    write({ kind: 'observation', phase: 'captured', observation: await describe(captured, config) });
    // What code that imports the package again after the update gets (a handler that calls import() per request).
    write({ kind: 'observation', phase: 'reimported', observation: await reimport() });
    if (config.back !== undefined) {
      // The starting release again, in the same process: a second update, over versions the first one left.
      write({ kind: 'update', round: 'back', ...(await applyUpdate(config.archive, config.back, 1000)) });
      write({ kind: 'observation', phase: 'back', observation: await describe(namespace, config) });
      write({ kind: 'observation', phase: 'back-captured', observation: await describe(captured, config) });
      write({ kind: 'observation', phase: 'back-reimported', observation: await reimport() });
    }
  }
  process.exit(0);
}

await main();
