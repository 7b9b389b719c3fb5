import { constants } from "node:os";
import type { Logger } from "./logger.js";

/**
 * How a bot process ends. The first SIGTERM or SIGINT runs `close` (stop taking work, finish or give back what this
 * instance holds) and exits 0 once it is done — 1 if it failed, or if it is still running after `timeoutMs`. A second
 * signal exits at once, with the code a shell gives a process ended by that signal (130 for SIGINT, 143 for SIGTERM):
 * what this instance still holds then comes back to the others only when its leases run out.
 */
export function exitOnSignals(close: () => Promise<void>, log: Logger, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn("stopping at once, without giving back what this instance holds", { signal });
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    log.info("stopping: taking no new work, finishing or giving back what this instance holds", { signal, timeoutMs });
    const started = performance.now();
    setTimeout(() => {
      log.error("did not stop in time; exiting anyway", { timeoutMs });
      process.exit(1);
    }, timeoutMs).unref();
    close().then(
      () => {
        log.info("stopped", { ms: Math.round(performance.now() - started) });
        process.exit(0);
      },
      (error: unknown) => {
        log.error("stopping failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
