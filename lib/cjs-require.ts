/**
 * `require()` for CommonJS served from archives on Node versions whose own `require()` cannot reach back through
 * the module hooks (before 24.18 and 26.2, and whenever `module.register` is used).
 *
 * Builtins and packages outside the archive still work (resolved from the archive's location, as Node would for a
 * file beside it). An entry inside the archive cannot be loaded synchronously there without running it as a second
 * instance, so that is a clear ERR_HOTZIP_UNSUPPORTED instead of Node's misleading "Cannot find module".
 */
import { createRequire } from 'node:module';
import { HotzipError } from './errors.js';
import { REQUIRE_SHIM } from './load.js';
import { decideResolution } from './resolve.js';
import { parseZipUrl } from './zip-url.js';

const requireConditions = ['node', 'require'] as const;

/** Resolves and loads `id` for the archive module at `parentURL`. */
export function requireFromArchive(id: string, parentURL: string): unknown {
  const decision = decideResolution(id, parentURL, requireConditions);
  switch (decision.kind) {
    case 'url': {
      if (decision.url.startsWith('node:')) return createRequire(import.meta.url)(decision.url);
      const { archive, entry } = parseZipUrl(decision.url);
      throw new HotzipError(
        'ERR_HOTZIP_UNSUPPORTED',
        `require('${id}') from ${parentURL} would load entry "${entry}" of ${archive}, but Node ${process.versions.node} ` +
          'cannot require() modules served from archives (it needs Node >= 24.18 or >= 26.2 with module.registerHooks); ' +
          'use import() or a static import instead',
        { archive, entry },
      );
    }
    case 'next':
      return createRequire(decision.parentURL)(decision.specifier);
    case 'pass':
      return createRequire(import.meta.url)(id);
  }
}

/** Makes `requireFromArchive` reachable from archive CommonJS in this thread. */
export function installRequireShim(): void {
  Object.defineProperty(globalThis, REQUIRE_SHIM, {
    value: (id: string, filename: string) => requireFromArchive(id, filename),
    configurable: true,
  });
}
