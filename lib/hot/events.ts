/**
 * A typed event emitter: each event name has its payload type (see HotzipEvents), and any other name is a custom
 * event whose payload is whatever its sender gives. A listener that throws never stops the others.
 */

/** A listener as stored: custom events carry `unknown`. */
export type Listener = (payload: unknown) => void;

/** Listeners by event name, for an event map `Events` (name → payload). */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #threw: (event: string, error: unknown) => void;

  /** `threw` is told of each listener that throws (the emitter goes on with the others). */
  constructor(threw: (event: string, error: unknown) => void) {
    this.#threw = threw;
  }

  /** Adds a listener (once: adding the same one again changes nothing). */
  on<Name extends keyof Events & string>(event: Name, listener: (payload: Events[Name]) => void): void;
  on(event: string, listener: Listener): void;
  on(event: string, listener: Listener): void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
  }

  /** Removes a listener. */
  off<Name extends keyof Events & string>(event: Name, listener: (payload: Events[Name]) => void): void;
  off(event: string, listener: Listener): void;
  off(event: string, listener: Listener): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Calls every listener of `event`, in the order they were added. */
  emit<Name extends keyof Events & string>(event: Name, payload: Events[Name]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.#threw(event, error);
      }
    }
  }
}
