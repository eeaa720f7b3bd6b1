/**
 * hotzip's runtime API: `import { register, reload, on, readFile, readFileSync } from 'hotzip'`.
 */
import { HotzipError } from './errors.js';
import type { HotzipEvents } from './hot/api.js';
import type { RuntimeEvent, UpdateReport } from './hot/runtime.js';
import { currentRuntime } from './hot/setup.js';

export { type ErrorCode, HotzipError, type UpdateError } from './errors.js';
export type { HotContextApi, HotzipEvents, UpdatePayload } from './hot/api.js';
export type { ChangeSet, RuntimeEvent, UpdateReport } from './hot/runtime.js';
export { type RegisterOptions, register } from './load/install.js';
export { type ResourceEncoding, type ResourceLocation, readFile, readFileSync } from './load/resources.js';
export { type Logger, type LogLevel, type MessageLevel, setLogger } from './log.js';

function runtime() {
  const found = currentRuntime();
  if (found === undefined) {
    throw new HotzipError(
      'ERR_HOTZIP_UNSUPPORTED',
      'hot reload is not active: start node with --import hotzip/register (and without HOTZIP_HOT=0)',
    );
  }
  return found;
}

/**
 * Checks for changes now, for every archive in use, one archive (path) or one module (URL), and applies them;
 * resolves to what the update did (its `error` says why it was rejected, if it was).
 */
export function reload(target?: string): Promise<UpdateReport> {
  return runtime().reload(target);
}

/** Listens to `update`, `error` (a rejected or failed update) and `restart-required` (a declined module). */
export function on<Name extends RuntimeEvent>(event: Name, listener: (report: HotzipEvents[Name]) => void): void {
  runtime().on(event, listener as (payload: unknown) => void);
}

/** Stops listening. */
export function off<Name extends RuntimeEvent>(event: Name, listener: (report: HotzipEvents[Name]) => void): void {
  runtime().off(event, listener as (payload: unknown) => void);
}
