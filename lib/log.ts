/**
 * hotzip's messages: one line on stderr per update, errors with where they happened. `HOTZIP_LOG=silent|info|debug`
 * sets how much; `setLogger()` routes everything to the application's logger instead.
 */

import type { Cluster } from 'node:cluster';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';
import { config } from './config.js';

/** How much hotzip says. */
export type LogLevel = 'silent' | 'info' | 'debug';

/** A message's importance. */
export type MessageLevel = 'error' | 'info' | 'debug';

/** Receives every message that passes the level, instead of stderr. */
export type Logger = (level: MessageLevel, message: string) => void;

/**
 * Where the application's logger is kept: on the thread's global object, not in this module, so that with two copies
 * of hotzip in one thread (the later one stands down, see load/thread-claim.ts) `setLogger` from either copy routes
 * the messages of the one that serves.
 */
const LOGGER = Symbol.for('hotzip.logger');

function currentLogger(): Logger | undefined {
  return (globalThis as { [LOGGER]?: Logger })[LOGGER];
}

const rank: Record<MessageLevel, number> = { error: 1, info: 1, debug: 2 };
const threshold: Record<LogLevel, number> = { silent: 0, info: 1, debug: 2 };

/** Routes hotzip's messages to `next` (or back to stderr with undefined). */
export function setLogger(next: Logger | undefined): void {
  Object.defineProperty(globalThis, LOGGER, { value: next, writable: true, configurable: true, enumerable: false });
}

/**
 * How this thread's lines start: a worker thread and a cluster worker watch and update on their own, and would print
 * the main thread's very lines, so they say which they are. Node's hooks thread (module.register) speaks for the
 * thread that registered it (see speakForApplication).
 */
let prefix: string | undefined;

function linePrefix(): string {
  if (prefix === undefined) {
    // Loaded at the first message, not at start-up (a cluster worker has it loaded already).
    const cluster = isMainThread ? (createRequire(import.meta.url)('node:cluster') as Cluster) : undefined;
    if (!isMainThread) prefix = `[hotzip worker ${threadId}]`;
    else if (cluster?.isWorker === true) prefix = `[hotzip cluster worker ${cluster.worker?.id ?? process.pid}]`;
    else prefix = '[hotzip]';
  }
  return prefix;
}

/** Called in Node's hooks thread (module.register): a worker thread, whose messages are the application's. */
export function speakForApplication(): void {
  prefix = '[hotzip]';
}

/** Writes one message, synchronously, so it is ordered with the application's own output. */
export function log(level: MessageLevel, message: string): void {
  if (rank[level] > threshold[config().logLevel]) return;
  const logger = currentLogger();
  if (logger !== undefined) {
    logger(level, message);
    return;
  }
  fs.writeSync(2, `${linePrefix()} ${message}\n`);
}
