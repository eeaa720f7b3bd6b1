/**
 * The sources of each hot module's most recent instances, kept where the load hook runs: when a new version fails
 * after its predecessor's `dispose` handlers ran, the update evaluates the predecessor's source again as a fresh
 * instance (its timers, servers and listeners come back), and the archive no longer holds those bytes.
 *
 * The version a module runs is kept whatever else is dropped: refused updates load versions that never run, and
 * counting those alone would drop the one to restore after a few of them. The runtime says which version runs (see
 * `HotRuntime.mirrorInstalls`); until it does, a module runs its first instance.
 */

/** How many recent instances of a module keep their source, besides the one it runs. */
const KEPT = 4;

const recent = new Map<string, Map<number, () => Uint8Array>>();

/** The version each module runs, by URL, once an update installed one (else 0, its first instance). */
const running = new Map<string, number>();

/**
 * Remembers how to read instance `version` (0: the first) of module `url` (canonical): a first instance keeps its
 * start-up snapshot readable (shared by every module of the archive), a later one its own bytes only.
 */
export function rememberSource(url: string, version: number, read: () => Uint8Array): void {
  let versions = recent.get(url);
  if (versions === undefined) {
    versions = new Map();
    recent.set(url, versions);
  }
  versions.set(version, read);
  trim(url, versions);
}

/** Records that module `url` (canonical) runs instance `version` now: its source stays kept until another runs. */
export function pinSource(url: string, version: number): void {
  running.set(url, version);
  const versions = recent.get(url);
  if (versions !== undefined) trim(url, versions);
}

/** Drops the oldest sources of `url` beyond KEPT, never the running version's. */
function trim(url: string, versions: Map<number, () => Uint8Array>): void {
  const pinned = running.get(url) ?? 0;
  let extra = versions.size - KEPT - (versions.has(pinned) ? 1 : 0);
  for (const old of versions.keys()) {
    if (extra <= 0) break;
    if (old === pinned) continue;
    versions.delete(old);
    extra--;
  }
}

/** The source instance `version` of module `url` was evaluated from, if it is still kept. */
export function rememberedSource(url: string, version: number): Uint8Array | undefined {
  return recent.get(url)?.get(version)?.();
}
