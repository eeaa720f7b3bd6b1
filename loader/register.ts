/**
 * `node --import hotzip/register`: installs hotzip's module hooks for this thread (and, through `--import`, for
 * every worker Node starts with the same flags), with options from the environment (HOTZIP_PATH, HOTZIP_HOT, …).
 * The work is in lib/load/install.ts, shared with the runtime API's `register(options)`.
 */
import { register } from '../lib/load/install.js';

register();
