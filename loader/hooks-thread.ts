/**
 * The `module.register` adapter: Node loads this file in its hooks thread and calls the exported hooks there.
 * `initialize` receives the options the registering thread decided.
 */
import type { LoadFnOutput, LoadHook, ResolveFnOutput, ResolveHook } from 'node:module';
import { createHooks, type HookOptions, type Hooks } from '../lib/hooks.js';

let hooks: Hooks = createHooks({ shimRequire: true, hot: true });

/** Receives the registering thread's options. */
export function initialize(data: HookOptions | undefined): void {
  if (data !== undefined) hooks = createHooks(data);
}

/** Node's async resolve hook. */
export const resolve: ResolveHook = (specifier, context, next) =>
  hooks.resolve(specifier, context, next) as ResolveFnOutput | Promise<ResolveFnOutput>;

/** Node's async load hook. */
export const load: LoadHook = (url, context, next) =>
  hooks.load(url, context, next) as LoadFnOutput | Promise<LoadFnOutput>;
