/**
 * Installing hotzip's hooks in this thread, with options: what `--import hotzip/register` does (from the
 * environment), and what `register(options)` from the runtime API does for programs that start hotzip themselves.
 *
 * Where `module.registerHooks` is sound the hooks run here, synchronously, in the application's own thread; elsewhere
 * `module.register` runs them in Node's hooks thread (loader/hooks-thread.ts) with the options passed as its data.
 * Node 26 deprecates `register` (DEP0205) and never takes that path.
 */

import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { config } from '../config.js';
import type { HookReport } from '../hot/host-importers.js';
import type { HooksMessage } from '../hot/redirects.js';
import { pinSource } from '../hot/restore-sources.js';
import { installHotRuntime } from '../hot/setup.js';
import { chooseHookApi, nativeCjsRequire } from '../node-support.js';
import { enableCompileCache } from '../transform/cache.js';
import { installZipFileUrlToPath } from '../url/zip-file-url.js';
import { installCjsLoader } from './cjs-require.js';
import { installCreateRequire } from './create-require.js';
import { createHooks, type HooksThreadData } from './hooks.js';
import { claimThread } from './thread-claim.js';

/** Options of `register()`. */
export interface RegisterOptions {
  /**
   * Archives searched, in order, for bare specifiers Node cannot find (relative paths from the current directory);
   * added after those in HOTZIP_PATH.
   */
  searchPath?: readonly string[];
  /** Hot reload on (the default unless HOTZIP_HOT=0) or off. */
  hot?: boolean;
}

/**
 * Installs the hooks once per thread; later calls return false and change nothing (hooks cannot be re-registered
 * with other options), also from another install of hotzip of the same registration format; one of another format
 * throws ERR_HOTZIP_RUNTIME_MISMATCH. Modules imported before this call are not served by hotzip.
 */
export function register(options: RegisterOptions = {}): boolean {
  if (!claimThread()) return false;
  const api = chooseHookApi();
  const shimRequire = !nativeCjsRequire(api);
  const settings = config();
  const hot = options.hot ?? settings.hot;
  const runtime = hot ? installHotRuntime() : undefined;
  process.setSourceMapsEnabled?.(true);
  const searchPath = [...settings.searchPath, ...(options.searchPath ?? []).map((entry) => path.resolve(entry))];
  if (shimRequire) {
    installCjsLoader(searchPath, api === 'registerHooks', runtime && ((message) => runtime.hookReport(message)));
  }
  installCreateRequire(!shimRequire, searchPath);
  installZipFileUrlToPath();
  const cacheDir = hot ? settings.cacheDir : undefined;
  if (cacheDir !== undefined) enableCompileCache(cacheDir, nodeModule.enableCompileCache);
  if (api === 'registerHooks') {
    runtime?.mirrorInstalls(pinSource);
    const redirect = runtime && ((url: string, parentURL: string | undefined) => runtime.redirect(url, parentURL));
    const report = runtime && ((message: HookReport) => runtime.hookReport(message));
    const versionHints = runtime && ((url: string) => runtime.versionHints(url));
    const hooks = createHooks({
      shimRequire,
      hot,
      sameThread: true,
      searchPath,
      cacheDir,
      redirect,
      report,
      versionHints,
    });
    nodeModule.registerHooks({
      resolve: (specifier, context, next) => hooks.resolve(specifier, context, next) as nodeModule.ResolveFnOutput,
      load: (url, context, next) => hooks.load(url, context, next) as nodeModule.LoadFnOutput,
    });
  } else {
    // The hooks thread keeps a copy of the runtime's redirects, and the versions modules run, fed over this port.
    let redirects: MessagePort | undefined;
    if (runtime !== undefined) {
      const { port1, port2 } = new MessageChannel();
      port1.unref();
      const post = (message: HooksMessage): void => port1.postMessage(message);
      runtime.mirrorRedirects(post);
      runtime.mirrorInstalls((url, version) => post({ kind: 'running', url, version }));
      runtime.hookReportsFrom(port1);
      redirects = port2;
    }
    const data: HooksThreadData = { shimRequire, followReexports: true, hot, searchPath, cacheDir, redirects };
    nodeModule.register('../../loader/hooks-thread.js', {
      parentURL: import.meta.url,
      data,
      transferList: redirects === undefined ? [] : [redirects],
    });
  }
  return true;
}
