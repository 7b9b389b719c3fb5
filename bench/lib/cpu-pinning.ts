import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";

const TASKSET = "/usr/bin/taskset";

/**
 * Gives servers and the load generator a core each, so a throughput comparison measures the servers and not the
 * scheduler's mood on a shared 2-core machine. Without taskset (or with one core) nothing is pinned.
 */
export const canPin = existsSync(TASKSET) && availableParallelism() >= 2;

/** The command prefix that runs a child on the server core. */
export function onServerCore(command: string, args: string[]): [string, string[]] {
  return canPin ? [TASKSET, ["-c", "1", command, ...args]] : [command, args];
}

/** Pins every thread of this process (the load generator) to core 0 until `release` is called. */
export function pinLoadGenerator(): { release(): void } {
  if (!canPin) return { release: () => {} };
  const all = `0-${availableParallelism() - 1}`;
  execFileSync(TASKSET, ["-a", "-cp", "0", String(process.pid)], { stdio: "ignore" });
  return { release: () => execFileSync(TASKSET, ["-a", "-cp", all, String(process.pid)], { stdio: "ignore" }) };
}
