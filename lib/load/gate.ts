/**
 * A new version's gate: a tiny module its source imports last (hoisted like every import, so no line or column of
 * the module's code moves), which tells the runtime the version's whole graph has linked and then awaits the update's
 * go-ahead, so the body runs only once every new version of the update has linked and been checked.
 *
 * The version imports it by one short specifier; the hooks resolve that to a URL of the version's own (every version
 * needs a module of its own, evaluated once) and serve its source. A `data:` URL spelling the call out kept the
 * version's URL, percent-encoded, three times per update: in the version's source, and as the gate's URL twice.
 */
import { RUNTIME_SYMBOL } from '../transform/transform.js';

/** What a new version's source imports; resolved against the version's URL. */
const GATE_SPECIFIER = 'hotzip-gate:';

/** The gate import appended to a new version's source. */
export const GATE_IMPORT = `\n;import ${JSON.stringify(GATE_SPECIFIER)};`;

/** The gate's URL for the version at `parentURL`, when `specifier` is the gate import. */
export function gateUrl(specifier: string, parentURL: string | undefined): string | undefined {
  return specifier === GATE_SPECIFIER && parentURL !== undefined ? `${GATE_SPECIFIER}${parentURL}` : undefined;
}

/** Whether `url` is a gate's (see gateUrl). */
export function isGateUrl(url: string): boolean {
  return url.startsWith(GATE_SPECIFIER);
}

/** The source of the gate at `url`: it reports its version linked, then waits for the update's go-ahead. */
export function gateSource(url: string): string {
  const version = url.slice(GATE_SPECIFIER.length);
  return `await globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]?.linked(${JSON.stringify(version)});`;
}
