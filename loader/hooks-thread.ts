/**
 * The `module.register` adapter: Node loads this file in its hooks thread and calls the exported hooks there.
 * `initialize` receives the options the registering thread decided.
 */
import type { LoadFnOutput, LoadHook, ResolveFnOutput, ResolveHook } from 'node:module';
import type { HookReport } from '../lib/hot/host-importers.js';
import { redirectsFrom } from '../lib/hot/redirects.js';
import { createHooks, type Hooks, type HooksThreadData } from '../lib/load/hooks.js';
import { speakForApplication } from '../lib/log.js';

speakForApplication();

let hooks: Hooks = createHooks({ shimRequire: true, followReexports: true, hot: true });

/** Receives the registering thread's options, and the port its runtime posts redirects to (and tells it what the hooks saw). */
export function initialize(data: HooksThreadData | undefined): void {
  if (data === undefined) return;
  const { redirects, ...options } = data;
  const report = redirects && ((message: HookReport) => redirects.postMessage(message));
  hooks = createHooks({ ...options, redirect: redirects && redirectsFrom(redirects), report });
}

/** Node's async resolve hook. */
export const resolve: ResolveHook = (specifier, context, next) =>
  hooks.resolve(specifier, context, next) as ResolveFnOutput | Promise<ResolveFnOutput>;

/** Node's async load hook. */
export const load: LoadHook = (url, context, next) =>
  hooks.load(url, context, next) as LoadFnOutput | Promise<LoadFnOutput>;
