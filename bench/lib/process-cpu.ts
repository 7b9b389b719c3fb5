import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time a process has used so far, in seconds, summed over all its threads with nanosecond precision
 * (`/proc/<pid>/task/*\/schedstat`). Undefined where /proc is not there.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    }
    return ns / 1e9;
  } catch {
    return undefined;
  }
}
