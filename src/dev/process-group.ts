/** Sends `signal` to the process group led by `pid`; nothing when it is gone already. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Whether any process of the group led by `pid` is still there. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the group led by `pid` is gone, or false when it is still there after `timeoutMs`. */
export async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** SIGTERM to the group, SIGKILL to what is left of it after `graceMs`. */
export async function stopGroup(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, "SIGTERM");
  if (!(await groupGone(pid, graceMs))) signalGroup(pid, "SIGKILL");
}

/**
 * Stops npm start's children in its order: the newest ones (the Playgrounds and the bot) together, then the first
 * (the local workspace), which the bot may still be talking to while it stops.
 */
export async function stopNewestFirst<T>(children: readonly T[], stop: (child: T) => Promise<void>): Promise<void> {
  const [first, ...rest] = children;
  await Promise.all([...rest].reverse().map(stop));
  if (first !== undefined) await stop(first);
}
