import { createInterface } from "node:readline";
import { stopGroup, stopNewestFirst } from "./process-group.js";

/**
 * npm start's orphan guard (see orphan-guard.ts). Reads `watch <pid> <graceMs>` for each child the supervisor starts,
 * each the leader of its own process group, and `release` once the supervisor has stopped them itself. When its input
 * ends without `release`, the supervisor is gone (SIGKILL, a crash): the guard stops the children as the supervisor
 * would have, then exits.
 */
const children: { pid: number; graceMs: number }[] = [];
let released = false;

const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  const [verb, pid, graceMs] = line.trim().split(/\s+/);
  if (verb === "release") released = true;
  else if (verb === "watch") children.push({ pid: Number(pid), graceMs: Number(graceMs) });
});
input.on("close", () => {
  if (released) process.exit(0);
  void stopNewestFirst(children, (c) => stopGroup(c.pid, c.graceMs)).then(() => process.exit(0));
});
