/**
 * The child program of the corpus suite: imports a batch of packages through the app's `load.mjs` (natively from the
 * extracted tree, or from the archive under hotzip), and writes one JSON line per package and phase to a results
 * file: the namespace's shape (keys, kinds, arities, and the members of `default`) and the smoke call's result, or
 * the error. Under hotzip it then swaps in the archive where every module changed, applies it with `reload()`, and
 * describes the same namespaces again. One package that throws or hangs never hides the others.
 *
 * Usage: node [--import …/register.js] driver.js <config.json>
 */
import * as fs from 'node:fs';
import { applyUpdate, errorOf, type Observation, observe, type ResultLine, withTimeout } from './observe.js';
import { corpusPackages } from './packages.js';

export type { Observation, ResultLine, SerializedReport } from './observe.js';

/** What the harness passes to a driver. */
export interface DriverConfig {
  mode: 'native' | 'zip';
  /** URL of the app's `load.mjs` (file: natively, zip: under hotzip). */
  loadUrl: string;
  names: string[];
  /** JSON lines are appended here. */
  results: string;
  /** zip mode: the archive in use, and the archive with every module changed that is renamed over it. */
  archive?: string;
  next?: string;
  /** Per-package limit on an import or smoke call, in ms. */
  timeoutMs: number;
}

const specifiers = new Map(corpusPackages.map((item) => [item.name, item.specifier ?? item.name]));
const smokes = new Map(
  corpusPackages.map((item) => [
    item.name,
    item.smoke === undefined ? undefined : (new Function('m', `return (${item.smoke});`) as (m: object) => unknown),
  ]),
);

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (configFile === undefined) throw new Error('usage: driver.js <config.json>');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as DriverConfig;
  const write = (line: ResultLine): void => fs.appendFileSync(config.results, `${JSON.stringify(line)}\n`);
  let during = 'start-up';
  // Node 20 also reports an ESM import whose CommonJS dependency threw as an unhandled rejection (after the import
  // itself rejected): recorded, so that it cannot end the batch and hide the packages after it.
  process.on('unhandledRejection', (error) => write({ kind: 'unhandled', during, error: errorOf(error) }));
  const { load } = (await import(config.loadUrl)) as { load: (name: string) => Promise<object> };
  const namespaces = new Map<string, object>();
  for (const name of config.names) {
    write({ kind: 'start', name, phase: 'before' });
    during = name;
    let observation: Observation;
    try {
      const namespace = await withTimeout(load(specifiers.get(name) ?? name), config.timeoutMs, `import('${name}')`);
      namespaces.set(name, namespace);
      observation = await observe(namespace, config.timeoutMs, smokes.get(name));
    } catch (error) {
      observation = { ok: false, error: errorOf(error) };
    }
    write({ kind: 'observation', name, phase: 'before', observation });
  }
  if (config.mode === 'zip' && config.archive !== undefined && config.next !== undefined) {
    write({ kind: 'update', ...(await applyUpdate(config.archive, config.next)) });
  }
  // Natively too, the namespaces are described a second time: the smoke calls of the first pass may have changed
  // them (lazily filled tables), and the archive side after the update is compared with this.
  for (const name of config.names) {
    const namespace = namespaces.get(name);
    if (namespace === undefined) continue;
    write({ kind: 'start', name, phase: 'after' });
    let observation: Observation;
    try {
      observation = await observe(namespace, config.timeoutMs, smokes.get(name));
    } catch (error) {
      observation = { ok: false, error: errorOf(error) };
    }
    write({ kind: 'observation', name, phase: 'after', observation });
  }
  process.exit(0);
}

await main();
