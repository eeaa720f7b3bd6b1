/** Promise helpers of the update: deferreds, and waits bounded by the event loop's turn or by a time limit. */

/** A promise with its resolve and reject at hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  /** Whether resolve or reject has been called. */
  settled: boolean;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A new pending Deferred. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const result: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      result.settled = true;
      resolve(value);
    },
    reject: (reason) => {
      result.settled = true;
      reject(reason);
    },
  };
  return result;
}

/**
 * `promise`'s value if it settles before the event loop's next turn, else undefined. The timer is cleared either way:
 * a chain of updates that never yields to the event loop would otherwise queue one per update, each keeping that
 * update's state alive (measured: the whole previewed source of every update).
 */
export async function settledThisTurn<T>(promise: Promise<T>): Promise<T | undefined> {
  let immediate: NodeJS.Immediate | undefined;
  const turn = new Promise<undefined>((resolve) => {
    immediate = setImmediate(resolve, undefined);
  });
  try {
    return await Promise.race([promise, turn]);
  } finally {
    clearImmediate(immediate);
  }
}

/**
 * Whether `promise` settles (either way) within `ms`. The timer does not keep the process alive, and is cleared
 * either way.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
    timer.unref();
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
