/**
 * The resolve and load hooks, written once for both of Node's hook APIs.
 *
 * They claim only `zip:` URLs, an archive given as the entry point, and specifiers imported by archive modules;
 * everything else goes to the next hook untouched, so hotzip composes with other loaders. The hooks never await:
 * with `registerHooks` the `next*` functions return values, with `register` promises, and both are handed back as is.
 */

import type { LoadFnOutput, LoadHookContext, ResolveFnOutput, ResolveHookContext } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { codeOf } from '../errors.js';
import { coldLoad, type HookReport, hostImportOf } from '../hot/host-importers.js';
import { decideResolution, requiredModuleParent } from '../resolve/resolve.js';
import { findOnSearchPath, isSearchable, nodeMightFind, withSearchedArchives } from '../resolve/search-path.js';
import { isRequire } from '../resolve/specifiers.js';
import { isZipUrl, locate } from '../url/zip-url.js';
import { gateSource, gateUrl, isGateUrl } from './gate.js';
import { type LoadOptions, loadZipModule } from './load.js';
import { resolveBesideArchive } from './require-host.js';

type Awaitable<T> = T | Promise<T>;
type NextResolve = (specifier: string, context?: Partial<ResolveHookContext>) => Awaitable<ResolveFnOutput>;
type NextLoad = (url: string, context?: Partial<LoadHookContext>) => Awaitable<LoadFnOutput>;

/** The pair of hook functions hotzip installs. */
export interface Hooks {
  resolve(specifier: string, context: ResolveHookContext, next: NextResolve): Awaitable<ResolveFnOutput>;
  load(url: string, context: LoadHookContext, next: NextLoad): Awaitable<LoadFnOutput>;
}

/** Runs `run`, whose result may be a value (registerHooks) or a promise (register), handing any failure to `onError`. */
function catching<T>(run: () => Awaitable<T>, onError: (error: unknown) => T): Awaitable<T> {
  try {
    const result = run();
    return result instanceof Promise ? result.catch(onError) : result;
  } catch (error) {
    return onError(error);
  }
}

/**
 * Runs Node's resolution on behalf of an archive module, from the archive's own location: its errors then name
 * the archive file, so they are rewritten to name the importing entry (`imported from zip:///…!/entry.js`).
 */
function fromArchive<T>(run: () => Awaitable<T>, archiveUrl: string, importer: string | undefined): Awaitable<T> {
  return catching(run, (error) => {
    if (importer !== undefined && error instanceof Error) {
      const archivePath = fileURLToPath(archiveUrl);
      error.message = error.message.replaceAll(archiveUrl, importer).replaceAll(archivePath, importer);
    }
    throw error;
  });
}

/** hotzip's answer for `url` imported from `parentURL`: a newer version with added exports when there is one. */
function claim(url: string, specifier: string, parentURL: string | undefined, options: HookOptions): ResolveFnOutput {
  const parent = options.report === undefined ? undefined : hostImportOf(parentURL, url);
  if (parent !== undefined) options.report?.({ kind: 'host-import', parent, specifier, url });
  return { url: options.redirect?.(url, parentURL) ?? url, shortCircuit: true };
}

/** Options fixed when the hooks are registered. */
export interface HookOptions extends LoadOptions {
  /** Archives (absolute paths) that bare specifiers Node cannot find are looked up in, in order (HOTZIP_PATH). */
  searchPath?: readonly string[] | undefined;
  /**
   * Told of every import of an archive module by a plain file (updates check those files' imports too) and of
   * every first instance of a hot module loaded (an update that passes it before it registers must follow it).
   */
  report?: ((message: HookReport) => void) | undefined;
}

/**
 * Runs Node's resolution of a bare specifier and, when Node cannot find it, looks it up on the search path: the
 * search path never shadows what Node finds. When Node has nothing to look at (see `nodeMightFind`), the search path
 * answers without Node being asked first. A specifier found nowhere keeps Node's error, naming the archives.
 */
function orSearchPath(
  run: () => Awaitable<ResolveFnOutput>,
  specifier: string,
  parentURL: string | undefined,
  conditions: readonly string[],
  options: HookOptions,
): Awaitable<ResolveFnOutput> {
  const searchPath = options.searchPath ?? [];
  if (searchPath.length === 0 || !isSearchable(specifier)) return run();
  if (nodeMightFind(specifier, parentURL, conditions) === false) {
    const url = findOnSearchPath(searchPath, specifier, conditions);
    if (url !== undefined) return claim(url, specifier, parentURL, options);
  }
  return catching(run, (error) => {
    const code = codeOf(error);
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const url = findOnSearchPath(searchPath, specifier, conditions);
    if (url === undefined) throw withSearchedArchives(error, searchPath);
    return claim(url, specifier, parentURL, options);
  });
}

/** What the registering thread hands the hooks thread (`module.register`'s data): options, and the redirects' port. */
export interface HooksThreadData extends Omit<HookOptions, 'redirect' | 'report' | 'versionHints'> {
  redirects?: MessagePort | undefined;
}

/** Creates the hooks; `options` are fixed by the adapter that registers them (which API, which Node). */
export function createHooks(options: HookOptions): Hooks {
  return {
    resolve(specifier, originalContext, next) {
      const parentURL = requiredModuleParent(originalContext.parentURL);
      const context = parentURL === undefined ? originalContext : { ...originalContext, parentURL };
      const gate = isZipUrl(context.parentURL) ? gateUrl(specifier, context.parentURL) : undefined;
      if (gate !== undefined) return { url: gate, shortCircuit: true };
      const decision = decideResolution(specifier, context.parentURL, context.conditions);
      switch (decision.kind) {
        case 'pass':
          return orSearchPath(
            () => next(specifier, context),
            specifier,
            context.parentURL,
            context.conditions,
            options,
          );
        case 'url':
          return claim(decision.url, specifier, context.parentURL, options);
        case 'next': {
          const importer = context.parentURL;
          if (importer !== undefined && isRequire(context.conditions)) {
            // Node's require() would walk up from a directory the archive module does not have.
            return orSearchPath(
              () => claim(resolveBesideArchive(decision.specifier, decision.importer), specifier, importer, options),
              decision.specifier,
              decision.parentURL,
              context.conditions,
              options,
            );
          }
          return orSearchPath(
            () =>
              fromArchive(
                () => next(decision.specifier, { ...context, parentURL: decision.parentURL }),
                decision.parentURL,
                context.parentURL,
              ),
            decision.specifier,
            decision.parentURL,
            context.conditions,
            options,
          );
        }
      }
    },
    load(url, context, next) {
      if (isGateUrl(url)) return { format: 'module', source: gateSource(url), shortCircuit: true };
      if (!isZipUrl(url)) return next(url, context);
      const attributes = context.importAttributes as Record<string, string> | undefined;
      const location = locate(url);
      const loaded = loadZipModule(location, attributes, options, isRequire(context.conditions ?? []));
      if (options.report !== undefined && options.hot && location.version === undefined) {
        if (loaded.format === 'module') options.report({ kind: 'first-load', url });
        else options.report(coldLoad(location));
      }
      return { format: loaded.format, source: loaded.source, shortCircuit: true };
    },
  };
}
