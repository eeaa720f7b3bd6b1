/**
 * Preloaded (`--import`) into the program `hotzip run` starts, after hotzip/register: tells the supervising `hotzip
 * run` over the IPC channel when an update needs a restart, which only the child's runtime knows.
 */
import { currentRuntime } from './hot.js';

/** The message `hotzip run` waits for; `modules` are the URLs whose updates could not be applied in place. */
export interface RestartMessage {
  hotzip: 'restart-required';
  modules: string[];
}

const runtime = currentRuntime();
if (runtime !== undefined && typeof process.send === 'function') {
  runtime.on('restart-required', (report) => {
    const modules = (report as { restartRequired?: string[] }).restartRequired ?? [];
    const message: RestartMessage = { hotzip: 'restart-required', modules };
    process.send?.(message);
  });
}
// The channel must not keep a program alive that would otherwise exit (Node leaves it unreferenced until someone
// listens for 'message'; this states the intent even if the program does).
process.channel?.unref();
