/**
 * `node --import hotzip/register`: installs hotzip's module hooks for this thread (and, through `--import`, for
 * every worker Node starts with the same flags).
 *
 * Where `module.registerHooks` is sound the hooks run here, synchronously, in the application's own thread; elsewhere
 * `module.register` runs them in Node's hooks thread (see ./hooks-thread.ts). Node 26 deprecates `register`
 * (DEP0205) and never takes that path.
 */
import * as nodeModule from 'node:module';
import { installRequireShim } from '../lib/cjs-require.js';
import { createHooks } from '../lib/hooks.js';
import { hotEnabled, installHotRuntime } from '../lib/hot.js';
import { chooseHookApi, nativeCjsRequire } from '../lib/node-support.js';
import { searchPathFromEnv } from '../lib/search-path.js';

const api = chooseHookApi();
const shimRequire = !nativeCjsRequire(api);
if (shimRequire) installRequireShim();
const hot = hotEnabled();
const runtime = hot ? installHotRuntime() : undefined;
process.setSourceMapsEnabled?.(true);
const searchPath = searchPathFromEnv();

if (api === 'registerHooks') {
  const hooks = createHooks({
    shimRequire,
    hot,
    searchPath,
    redirect: runtime && ((url) => runtime.redirect(url)),
  });
  nodeModule.registerHooks({
    resolve: (specifier, context, next) => hooks.resolve(specifier, context, next) as nodeModule.ResolveFnOutput,
    load: (url, context, next) => hooks.load(url, context, next) as nodeModule.LoadFnOutput,
  });
} else {
  nodeModule.register('./hooks-thread.js', { parentURL: import.meta.url, data: { shimRequire, hot, searchPath } });
}
