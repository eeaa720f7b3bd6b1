/**
 * The one error type of the `hotzip` command: bad usage (exit 2, printed with its code and a pointer to `--help`) or
 * a failure of the command itself (exit 1: a missing or damaged archive, a pack that cannot be written).
 */
import { HotzipError } from '../errors.js';

/** The codes a command ends with, and the exit status each gives. */
const exitCodes = { ERR_HOTZIP_USAGE: 2, ERR_HOTZIP_COMMAND_FAILED: 1 } as const;

/** A CLI error code. */
export type CliErrorCode = keyof typeof exitCodes;

/** An error the command reports and exits for; `details` are printed as indented lines after the message. */
export class CliError extends HotzipError {
  declare readonly code: CliErrorCode;

  constructor(
    code: CliErrorCode,
    message: string,
    /** Extra lines printed after the message (the reasons an archive is unsound). */
    readonly details: readonly string[] = [],
  ) {
    super(code, message);
  }

  /** Only errors made as CliErrors (HotzipError's own check accepts any coded hotzip error). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(CliError, value);
  }

  /** The process exit status for this error. */
  get exitCode(): 1 | 2 {
    return exitCodes[this.code];
  }
}

/** Bad usage: an unknown flag, a missing value or operand. */
export function usageError(message: string): CliError {
  return new CliError('ERR_HOTZIP_USAGE', message);
}

/** A failure of the command itself. */
export function commandFailed(message: string, details: readonly string[] = []): CliError {
  return new CliError('ERR_HOTZIP_COMMAND_FAILED', message, details);
}
