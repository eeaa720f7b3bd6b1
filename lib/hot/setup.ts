/**
 * Wires the hot-reload runtime of this thread to the archive watcher and publishes it where transformed modules
 * look for it (a global symbol: with `module.register` the hooks run in another thread, so the modules, not the
 * hooks, must find the runtime).
 */

import { openArchive } from '../archive/cache.js';
import { ArchiveWatcher } from '../archive/watch.js';
import { codeFrame, syntaxErrorPosition } from '../code-frame.js';
import { config } from '../config.js';
import { log } from '../log.js';
import { RUNTIME_SYMBOL } from '../transform/transform.js';
import { isZipUrl, parseZipUrl } from '../url/zip-url.js';
import { previewModule } from './preview.js';
import { HotRuntime, type SyntaxLocation } from './runtime.js';

const key = Symbol.for(RUNTIME_SYMBOL);

/** The first of these archive modules whose current source has a syntax error, with its position and a frame. */
function locateSyntaxError(urls: string[]): SyntaxLocation | undefined {
  for (const url of urls) {
    if (!isZipUrl(url)) continue;
    try {
      const { archive, entry } = parseZipUrl(url);
      const source = openArchive(archive, true).readText(entry);
      const position = syntaxErrorPosition(source, url);
      if (position !== undefined) return { url, ...position, frame: codeFrame(source, position) };
    } catch {
      // Unreadable now: the update's own error says so.
    }
  }
  return undefined;
}

/** This thread's runtime, if `hotzip/register` installed one. */
export function currentRuntime(): HotRuntime | undefined {
  const value = (globalThis as Record<symbol, unknown>)[key];
  return value instanceof HotRuntime ? value : undefined;
}

/** Creates this thread's runtime and watcher once; later calls return the same runtime. */
export function installHotRuntime(): HotRuntime {
  const existing = currentRuntime();
  if (existing !== undefined) return existing;
  const runtime = new HotRuntime({
    importModule: (url) => import(url),
    log,
    locateSyntaxError,
    preview: previewModule,
    timeoutMs: config().updateTimeoutMs,
  });
  runtime.setSource(new ArchiveWatcher(runtime));
  Object.defineProperty(globalThis, key, { value: runtime, configurable: true });
  return runtime;
}
