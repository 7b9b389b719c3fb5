import { spawn, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";

/**
 * Makes npm start's children end with it, whatever ends it: SIGKILL, a crash, a hang-up it could not handle. A small
 * process of its own (orphan-guard-main.ts, in its own session, so no signal meant for npm start reaches it) holds a
 * pipe from the supervisor; the kernel closes that pipe when the supervisor goes, and the guard then stops every child
 * it was told about. Nothing runs inside the children, so this works for the third-party Playground as for our own.
 */
export class OrphanGuard {
  private released = false;

  private constructor(private readonly guard: ChildProcess) {}

  /** Starts the guard; `onLost` is told if it ends while it still guards (the children would then outlive a kill). */
  static start(cwd: string, onLost: (why: string) => void): OrphanGuard {
    const guard = new OrphanGuard(
      spawn(process.execPath, ["--import", "tsx", "src/dev/orphan-guard-main.ts"], {
        cwd,
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
      }),
    );
    // A write to a guard that has ended fails with EPIPE; its end is reported below.
    guard.guard.stdin?.on("error", () => {});
    guard.guard.once("error", (error) => onLost(`could not start: ${error.message}`));
    guard.guard.once("exit", (code, signal) => {
      if (!guard.released) onLost(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
    guard.guard.unref();
    // It has nothing to do until the end, and its start (a tsx process) would take CPU from the ones the URLs wait
    // for: the lines written to it meanwhile wait in the pipe.
    if (guard.guard.pid !== undefined) {
      try {
        setPriority(guard.guard.pid, 19);
      } catch {
        // Only a matter of speed.
      }
    }
    return guard;
  }

  /** Guards the process group led by `pid`: SIGTERM when the supervisor is gone, SIGKILL after `graceMs`. */
  watch(pid: number, graceMs: number): void {
    this.guard.stdin?.write(`watch ${pid} ${graceMs}\n`);
  }

  /** The supervisor has stopped every child itself: the guard ends without touching them. */
  release(): Promise<void> {
    this.released = true;
    const input = this.guard.stdin;
    return new Promise((resolve) => {
      if (!input || input.writableEnded || this.guard.exitCode !== null || this.guard.signalCode !== null) resolve();
      else input.end("release\n", resolve);
    });
  }
}
