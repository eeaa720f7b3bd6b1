/**
 * hotzip's messages: one line on stderr per update, errors with where they happened. `HOTZIP_LOG=silent|info|debug`
 * sets how much; `setLogger()` routes everything to the application's logger instead.
 */
import * as fs from 'node:fs';
import { config } from './config.js';

/** How much hotzip says. */
export type LogLevel = 'silent' | 'info' | 'debug';

/** A message's importance. */
export type MessageLevel = 'error' | 'info' | 'debug';

/** Receives every message that passes the level, instead of stderr. */
export type Logger = (level: MessageLevel, message: string) => void;

let logger: Logger | undefined;

const rank: Record<MessageLevel, number> = { error: 1, info: 1, debug: 2 };
const threshold: Record<LogLevel, number> = { silent: 0, info: 1, debug: 2 };

/** Routes hotzip's messages to `next` (or back to stderr with undefined). */
export function setLogger(next: Logger | undefined): void {
  logger = next;
}

/** Writes one message, synchronously, so it is ordered with the application's own output. */
export function log(level: MessageLevel, message: string): void {
  if (rank[level] > threshold[config().logLevel]) return;
  if (logger !== undefined) {
    logger(level, message);
    return;
  }
  fs.writeSync(2, `[hotzip] ${message}\n`);
}
