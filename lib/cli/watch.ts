/**
 * Watching a source tree for `pack --watch` and `run <dir>`: one non-recursive fs.watch per directory, re-synced with
 * the directories each pack walked. `fs.watch(..., { recursive: true })` only exists on Linux from Node 20 and had
 * gaps there (directories created later went unwatched in early 20.x), and it would also watch `.git` and
 * `node_modules/.cache`, which a pack skips; a watcher per walked directory has neither problem.
 */
import * as fs from 'node:fs';

/** Calls `onChange` once, `delayMs` after the last of a burst of changes (an editor save is several events). */
export class TreeWatcher {
  readonly #watchers = new Map<string, fs.FSWatcher>();
  readonly #onChange: () => void;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(onChange: () => void, delayMs = 100) {
    this.#onChange = onChange;
    this.#delayMs = delayMs;
  }

  /** Watches exactly `directories` from now on: new ones are added, vanished ones dropped. */
  sync(directories: readonly string[]): void {
    if (this.#closed) return;
    const wanted = new Set(directories);
    for (const [dir, watcher] of this.#watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, () => this.#schedule());
        // A directory deleted while watched reports an error on some platforms: the next pack walks without it.
        watcher.on('error', () => {
          watcher.close();
          this.#watchers.delete(dir);
          this.#schedule();
        });
        this.#watchers.set(dir, watcher);
      } catch {
        // Gone between the walk and the watch: the change that removed it has scheduled a pack already.
      }
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#onChange();
    }, this.#delayMs);
  }

  /** Stops watching; no callback runs after this. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}
