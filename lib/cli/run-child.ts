/**
 * Preloaded (`--import`) into the program `hotzip run` starts, after hotzip/register: tells the supervising `hotzip
 * run` over the IPC channel when an update needs a restart, which only the child's runtime knows.
 */
import { currentRuntime } from '../hot/setup.js';

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
    // Sent on the next turn: the runtime logs why ("[hotzip] restart required to apply …") right after the event,
    // and the supervisor stops this process as soon as the message arrives.
    setImmediate(() => process.send?.(message));
  });
}
if (process.channel !== undefined) {
  // The supervisor gone (killed outright, so it could not forward a signal) must not leave this program running
  // orphaned: it is asked to stop the way a forwarded signal would have asked it.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep a program alive that would otherwise exit. Listening for 'disconnect' referenced it;
  // an explicit unref() stays in force whatever listeners come later.
  process.channel.unref();
}
