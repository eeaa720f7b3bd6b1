/**
 * The `module.register` adapter: Node loads this file in its hooks thread and calls the exported hooks there.
 * `initialize` receives the options the registering thread decided.
 */
import type { LoadFnOutput, LoadHook, ResolveFnOutput, ResolveHook } from 'node:module';
import { createHooks, type Hooks, type HooksThreadData } from '../lib/hooks.js';
import type { HostImport } from '../lib/host-importers.js';
import { redirectsFrom } from '../lib/redirects.js';

let hooks: Hooks = createHooks({ shimRequire: true, hot: true });

/** Receives the registering thread's options, and the port its runtime posts redirects to (and hears host imports on). */
export function initialize(data: HooksThreadData | undefined): void {
  if (data === undefined) return;
  const { redirects, ...options } = data;
  const hostImport =
    redirects &&
    ((parent: string, specifier: string, url: string) => {
      const message: HostImport = { kind: 'host-import', parent, specifier, url };
      redirects.postMessage(message);
    });
  hooks = createHooks({ ...options, redirect: redirects && redirectsFrom(redirects), hostImport });
}

/** Node's async resolve hook. */
export const resolve: ResolveHook = (specifier, context, next) =>
  hooks.resolve(specifier, context, next) as ResolveFnOutput | Promise<ResolveFnOutput>;

/** Node's async load hook. */
export const load: LoadHook = (url, context, next) =>
  hooks.load(url, context, next) as LoadFnOutput | Promise<LoadFnOutput>;
