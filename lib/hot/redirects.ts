/**
 * Where an import of a hot module goes instead of the URL resolution found: a newer version that added exports.
 * The runtime keeps the table; with Node's hooks thread (`module.register`) the resolve hook keeps a copy, fed over a
 * MessagePort that it drains synchronously before every look-up, so a change posted before an `import()` began is
 * always seen by it (a 'message' listener would run too late: the hooks thread answers resolves first). The same
 * port tells it which version each module runs (see ./restore-sources.ts), read as promptly.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { splitVersion, withVersion } from '../url/version-query.js';
import { pinSource } from './restore-sources.js';

/** One change to the table, as the runtime posts it to the hooks thread (structured-clonable). */
export type RedirectChange =
  /** First-time importers of `url` link to `to` from now on (a version that added exports). */
  | { kind: 'newest'; url: string; to: string }
  /** While update `version` links, its new instances import these modules' new versions (they add exports). */
  | { kind: 'update'; version: number; urls: string[] }
  /** Update `version` is over: its new instances' later imports follow the `newest` entries. */
  | { kind: 'done'; version: number };

/** What the runtime posts to the hooks thread: a redirect change, or the version a module runs now. */
export type HooksMessage = RedirectChange | { kind: 'running'; url: string; version: number };

/** The redirect table of one thread. */
export class RedirectTable {
  readonly #newest = new Map<string, string>();
  readonly #updates = new Map<number, ReadonlySet<string>>();

  /** Applies one change. */
  apply(change: RedirectChange): void {
    switch (change.kind) {
      case 'newest':
        this.#newest.set(change.url, change.to);
        break;
      case 'update':
        this.#updates.set(change.version, new Set(change.urls));
        break;
      case 'done':
        this.#updates.delete(change.version);
    }
  }

  /** The changes that rebuild this table from empty (for a copy made after some were applied). */
  changes(): RedirectChange[] {
    const changes: RedirectChange[] = [...this.#newest].map(([url, to]) => ({ kind: 'newest', url, to }));
    for (const [version, urls] of this.#updates) changes.push({ kind: 'update', version, urls: [...urls] });
    return changes;
  }

  /**
   * Where an import of `url` (as resolved, unversioned) from `parentURL` should go, or undefined to keep it. A new
   * instance of an update (`?hz=N`) gets the same update's version of a module that adds exports: the live instance
   * lacks them.
   */
  target(url: string, parentURL: string | undefined): string | undefined {
    if (this.#updates.size > 0 && parentURL !== undefined) {
      const version = splitVersion(parentURL).version;
      if (version !== undefined && this.#updates.get(version)?.has(url)) return withVersion(url, version);
    }
    return this.#newest.size === 0 ? undefined : this.#newest.get(url);
  }
}

/**
 * The hooks thread's look-up: a copy of the runtime's table, brought up to date from `port` before each answer (the
 * running versions it posts are recorded too: a load always follows its resolve).
 */
export function redirectsFrom(port: MessagePort): (url: string, parentURL: string | undefined) => string | undefined {
  const table = new RedirectTable();
  return (url, parentURL) => {
    for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
      const message = received.message as HooksMessage;
      if (message.kind === 'running') pinSource(message.url, message.version);
      else table.apply(message);
    }
    return table.target(url, parentURL);
  };
}
