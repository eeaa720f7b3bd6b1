/**
 * The child program of the upgrade corpus: imports one package through the app's `load.mjs` and describes it
 * (observe.ts: shapes and the smoke call). Natively it describes the same namespace a second time (the first smoke
 * call may have filled lazy state). Under hotzip it keeps a copy of the namespace's values (functions captured the
 * way a program keeps a handler), renames the archive holding the next release over the one in use, applies it with
 * `reload()`, and describes the live namespace, the captured copy, and the namespace an `import()` made after the
 * update gets. Writes one JSON line per step.
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
  /** zip mode: the archive in use, and the archive holding the next release that is renamed over it. */
  archive?: string;
  next?: string;
  timeoutMs: number;
}

/** One line of the results file. */
export type UpgradeLine =
  | { kind: 'observation'; phase: 'before' | 'after' | 'captured' | 'reimported'; observation: Observation }
  | { kind: 'update'; reports: SerializedReport[]; waitedMs: number };

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
  if (config.mode === 'zip' && config.archive !== undefined && config.next !== undefined) {
    write({ kind: 'update', ...(await applyUpdate(config.archive, config.next, 1000)) });
  }
  write({ kind: 'observation', phase: 'after', observation: await describe(namespace, config) });
  if (config.mode === 'zip') {
    write({ kind: 'observation', phase: 'captured', observation: await describe(captured, config) });
    // What code that imports the package again after the update gets (a handler that calls import() per request).
    let again: Observation;
    try {
      const fresh = await withTimeout(load(config.specifier), config.timeoutMs, `import('${config.specifier}')`);
      again = await describe(fresh, config);
    } catch (error) {
      again = { ok: false, error: errorOf(error) };
    }
    write({ kind: 'observation', phase: 'reimported', observation: again });
  }
  process.exit(0);
}

await main();
