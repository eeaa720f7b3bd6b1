/**
 * The resolve and load hooks, written once for both of Node's hook APIs.
 *
 * They claim only `zip:` URLs, an archive given as the entry point, and specifiers imported by archive modules;
 * everything else goes to the next hook untouched, so hotzip composes with other loaders. The hooks never await:
 * with `registerHooks` the `next*` functions return values, with `register` promises, and both are handed back as is.
 */

import type { LoadFnOutput, LoadHookContext, ResolveFnOutput, ResolveHookContext } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type LoadOptions, loadZipModule } from './load.js';
import { decideResolution } from './resolve.js';
import { isZipUrl } from './zip-url.js';

type Awaitable<T> = T | Promise<T>;
type NextResolve = (specifier: string, context?: Partial<ResolveHookContext>) => Awaitable<ResolveFnOutput>;
type NextLoad = (url: string, context?: Partial<LoadHookContext>) => Awaitable<LoadFnOutput>;

/** The pair of hook functions hotzip installs. */
export interface Hooks {
  resolve(specifier: string, context: ResolveHookContext, next: NextResolve): Awaitable<ResolveFnOutput>;
  load(url: string, context: LoadHookContext, next: NextLoad): Awaitable<LoadFnOutput>;
}

/**
 * Runs Node's resolution on behalf of an archive module, from the archive's own location: its errors then name
 * the archive file, so they are rewritten to name the importing entry (`imported from zip:///…!/entry.js`).
 */
function fromArchive<T>(run: () => Awaitable<T>, archiveUrl: string, importer: string | undefined): Awaitable<T> {
  const rename = (error: unknown): never => {
    if (importer !== undefined && error instanceof Error) {
      const archivePath = fileURLToPath(archiveUrl);
      error.message = error.message.replaceAll(archiveUrl, importer).replaceAll(archivePath, importer);
    }
    throw error;
  };
  try {
    const result = run();
    return result instanceof Promise ? result.catch(rename) : result;
  } catch (error) {
    return rename(error);
  }
}

/** Creates the hooks; `options` are fixed by the adapter that registers them (which API, which Node). */
export function createHooks(options: LoadOptions): Hooks {
  return {
    resolve(specifier, context, next) {
      const decision = decideResolution(specifier, context.parentURL, context.conditions);
      switch (decision.kind) {
        case 'pass':
          return next(specifier, context);
        case 'url':
          return { url: options.redirect?.(decision.url) ?? decision.url, shortCircuit: true };
        case 'next':
          return fromArchive(
            () => next(decision.specifier, { ...context, parentURL: decision.parentURL }),
            decision.parentURL,
            context.parentURL,
          );
      }
    },
    load(url, context, next) {
      if (!isZipUrl(url)) return next(url, context);
      const loaded = loadZipModule(url, context.importAttributes as Record<string, string>, options);
      return { format: loaded.format, source: loaded.source, shortCircuit: true };
    },
  };
}
