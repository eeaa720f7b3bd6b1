/**
 * The sources of each hot module's most recent instances, kept where the load hook runs: when a new version fails
 * after its predecessor's `dispose` handlers ran, the update evaluates the predecessor's source again as a fresh
 * instance (its timers, servers and listeners come back), and the archive no longer holds those bytes.
 */

/** How many recent instances of a module keep their source: the installed one survives a failed one and its restore. */
const KEPT = 4;

const recent = new Map<string, Map<number, () => Uint8Array>>();

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
  for (const old of versions.keys()) {
    if (versions.size <= KEPT) break;
    versions.delete(old);
  }
}

/** The source instance `version` of module `url` was evaluated from, if it is still kept. */
export function rememberedSource(url: string, version: number): Uint8Array | undefined {
  return recent.get(url)?.get(version)?.();
}
