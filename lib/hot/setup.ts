/**
 * Wires the hot-reload runtime of this thread to the archive watcher and publishes it where transformed modules
 * look for it (a global symbol: with `module.register` the hooks run in another thread, so the modules, not the
 * hooks, must find the runtime).
 */

import { openArchive } from '../archive/cache.js';
import { ArchiveWatcher } from '../archive/watch.js';
import { codeFrame, syntaxErrorPosition } from '../code-frame.js';
import { config } from '../config.js';
import { typeScriptSyntaxErrorPosition } from '../load/typescript.js';
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
      const position = /\.[cm]?ts$/.test(entry)
        ? typeScriptSyntaxErrorPosition(source, url)
        : syntaxErrorPosition(source, url);
      if (position !== undefined) return { url, ...position, frame: codeFrame(source, position) };
    } catch {
      // Unreadable now: the update's own error says so.
    }
  }
  return undefined;
}

/** What the runtime API calls on this thread's runtime: part of the registration format, as another install may call it. */
export type SharedRuntime = Pick<HotRuntime, 'reload' | 'on' | 'off'>;

/**
 * This thread's runtime, if `hotzip/register` installed one: this install's or, when it stood down for another of
 * the same registration format, that one's (the symbol names the format, so whatever is there speaks it).
 */
export function currentRuntime(): SharedRuntime | undefined {
  const value = (globalThis as Record<symbol, unknown>)[key];
  return typeof value === 'object' && value !== null ? (value as SharedRuntime) : undefined;
}

let installed: HotRuntime | undefined;

/** Creates this thread's runtime and watcher once; later calls return the same runtime. */
export function installHotRuntime(): HotRuntime {
  if (installed !== undefined) return installed;
  const runtime = new HotRuntime({
    importModule: (url) => import(url),
    log,
    locateSyntaxError,
    preview: previewModule,
    timeoutMs: config().updateTimeoutMs,
  });
  runtime.setSource(new ArchiveWatcher(runtime));
  Object.defineProperty(globalThis, key, { value: runtime, configurable: true });
  installed = runtime;
  return runtime;
}
