/**
 * Warming the update path once start-up is over. The first updates of a process run code that has only run once,
 * at start-up, or never (V8 compiles a function on its first call, then interprets it until it has run a while):
 * they took 20–45 ms where later ones take 5. So once no hot module has started for a second, hotzip runs, in the
 * background, the two pure parts of an update that cost most: parsing an archive's snapshot, and rewriting one of
 * its modules as a new version; the results are dropped. It runs once per process, in slices that yield to the
 * event loop (a few ms each, some 0.1 s in all), started by a timer that never keeps the process alive.
 */
import { cachedArchive } from '../archive/cache.js';
import { Archive } from '../archive/reader.js';
import { chooseHookApi } from '../node-support.js';
import { transformModule } from '../transform/transform.js';
import { isZipUrl, parseZipUrl } from '../url/zip-url.js';

/** How long no hot module must have started before the warm-up runs. */
const QUIET_MS = 1000;
/**
 * How often each part runs. Parsing a 500-entry archive took 8–12 ms the first time, about 5 ms the next three and
 * 0.5 ms from the fifth (once optimized): every update parses its archive once.
 */
const ROUNDS = 6;
/** The rewrite runs in the first rounds only (each costs a few ms, and a rewrite is most of an update's own work). */
const REWRITE_ROUNDS = 3;
/**
 * The module rewritten: the largest loaded one of the archive up to this size, so that it has the shapes an update
 * meets (exported functions to forward, declarations to scan) without costing more than it saves.
 */
const MAX_SOURCE = 32 * 1024;

let timer: NodeJS.Timeout | undefined;
let latest: string | undefined;
let loaded: () => Iterable<string> = () => [];
let done = false;

/**
 * Notes that hot module `url` has started (`modules`: every hot module loaded); the warm-up runs once start-up has
 * been quiet for a while (see the file's comment), on the archive of the module that started last.
 */
export function warmUpLater(url: string, modules: () => Iterable<string>): void {
  if (done || !isZipUrl(url)) return;
  latest = url;
  loaded = modules;
  if (timer === undefined) {
    timer = setTimeout(() => {
      done = true;
      if (latest !== undefined) void warmUpdatePath(latest, loaded());
    }, QUIET_MS);
    timer.unref();
  } else timer.refresh();
}

/** The loaded module of `archive` that the warm-up rewrites (see MAX_SOURCE), if any. */
function sample(archive: Archive, modules: Iterable<string>): { url: string; entry: string } | undefined {
  let best: { url: string; entry: string; size: number } | undefined;
  for (const url of modules) {
    if (!isZipUrl(url)) continue;
    const location = parseZipUrl(url);
    const size = location.archive === archive.path ? archive.get(location.entry)?.size : undefined;
    if (size === undefined || size > MAX_SOURCE || (best !== undefined && size <= best.size)) continue;
    best = { url, entry: location.entry, size };
  }
  return best;
}

/**
 * Runs the warm-up on the archive of module `url`, rewriting the largest of `modules` in it (see MAX_SOURCE); resolves
 * with that module's entry, or undefined when nothing could be rewritten. Never rejects.
 */
export function warmUpdatePath(url: string, modules: Iterable<string>): Promise<string | undefined> {
  let archive: Archive | undefined;
  let module: { url: string; entry: string } | undefined;
  try {
    archive = cachedArchive(parseZipUrl(url).archive);
    // With `module.register` versions are rewritten in Node's hooks thread: warming this one's rewrite is waste.
    module = archive === undefined || chooseHookApi() !== 'registerHooks' ? undefined : sample(archive, modules);
  } catch {
    return Promise.resolve(undefined);
  }
  if (archive === undefined) return Promise.resolve(undefined);
  const snapshot = archive;
  let rewritten: string | undefined;
  return new Promise((resolve) => {
    let round = 0;
    const step = (): void => {
      try {
        Archive.parse(snapshot.bytes, snapshot.path, snapshot.limits);
        if (module !== undefined && round < REWRITE_ROUNDS) {
          const source = new TextDecoder().decode(snapshot.read(module.entry));
          transformModule(source, { url: `${module.url}?hz=0`, versioned: true, modeDefined: true, inlineGate: true });
          rewritten = module.entry;
        }
      } catch {
        // Only a warm-up: whatever fails here fails again, and is reported, when an update does it for real.
        resolve(undefined);
        return;
      }
      if (++round < ROUNDS) setImmediate(step);
      else resolve(rewritten);
    };
    // Not unref'd: the loop would then wait in its poll for any other event before each slice (seconds in an idle
    // server, or a slice run just as an archive change arrives). A process can outlive its last handle by the
    // slices left, some 0.1 s, only if that handle closes while they run.
    setImmediate(step);
  });
}
