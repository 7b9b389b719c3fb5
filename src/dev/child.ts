import { spawn, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { createInterface } from "node:readline";
import { groupGone, signalGroup } from "./process-group.js";

export interface ChildSpec {
  /** Short name, used as the output prefix and in error messages. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How long it may take to stop after SIGTERM before it is killed (10 s). */
  stopGraceMs?: number;
  /** Lower its CPU priority (a niceness, 1–19): it gives way to the processes the user waits for. */
  nice?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type LineWriter = (name: string, line: string, stream: "stdout" | "stderr") => void;

const RECENT_LINES = 30;

/**
 * One child process of `npm start`, in its own process group (so stopping it also stops anything it started), with
 * its output passed on line by line and its last lines kept for error messages.
 */
export class Child {
  readonly name: string;
  /** Resolves once the process has ended and its output has been read. */
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly recent: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private exit: ChildExit | undefined;
  /** How long it may take to stop after SIGTERM before it is killed. */
  readonly stopGraceMs: number;

  constructor(spec: ChildSpec, write: LineWriter) {
    this.name = spec.name;
    this.stopGraceMs = spec.stopGraceMs ?? 10_000;
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: Ctrl-C reaches only us, and we stop the children in order
    });
    if (spec.nice && this.child.pid !== undefined) {
      try {
        setPriority(this.child.pid, spec.nice);
      } catch {
        // Only a matter of speed: where the system refuses, the child runs at the usual priority.
      }
    }
    for (const stream of ["stdout", "stderr"] as const) {
      const source = this.child[stream];
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on("line", (line) => {
        this.remember(line);
        write(this.name, line, stream);
        for (const listener of this.lineListeners) listener(line);
      });
    }
    this.exited = new Promise<ChildExit>((resolve) => {
      let settled = false;
      const settle = (exit: ChildExit): void => {
        if (settled) return;
        settled = true;
        this.exit = exit;
        resolve(exit);
      };
      this.child.once("error", (error) => {
        // spawn failed (e.g. ENOENT): there will be no "exit" event.
        this.remember(`could not start: ${error.message}`);
        if (this.child.pid === undefined) settle({ code: null, signal: null });
      });
      // "close" comes after the output has been read; a grandchild that keeps the pipes open must not hold us up.
      this.child.once("close", (code, signal) => settle({ code, signal }));
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        setTimeout(() => settle({ code, signal }), 1000).unref();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  lastLines(count = 15): string[] {
    return this.recent.slice(-count);
  }

  /** Resolves with the first output line (seen from now on) that matches `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number, signal: AbortSignal): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.lineListeners.delete(onLine);
        signal.removeEventListener("abort", onAbort);
      };
      const onLine = (line: string): void => {
        const match = pattern.exec(line);
        if (!match) return;
        done();
        resolve(match);
      };
      const onAbort = (): void => {
        done();
        reject(new Error(`stopped while waiting for ${this.name}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name} did not print ${String(pattern)} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.lineListeners.add(onLine);
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  }

  /** SIGTERM to the whole process group; SIGKILL if it has not ended after `graceMs`. */
  async stop(graceMs = this.stopGraceMs): Promise<ChildExit> {
    const pid = this.child.pid;
    if (pid === undefined) return this.exited;
    if (this.running) signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    try {
      const exit = await this.exited;
      // The rest of the group too: tsx's esbuild service outlives node by a moment, and "all stopped" must mean all.
      if (!(await groupGone(pid, graceMs))) signalGroup(pid, "SIGKILL");
      return exit;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
  }
}

/** "exited with code 1" / "was killed by SIGKILL". */
export function describeExit(exit: ChildExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code === null) return "could not be started";
  return `exited with code ${exit.code}`;
}
