import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { onServerCore } from "./cpu-pinning.js";

/** A server started in its own process, which prints one JSON line `{"ready": …}` when it listens. */
export interface ChildServer<T> {
  info: T;
  pid: number;
  stop(): Promise<void>;
}

export async function startChildServer<T>(
  script: string,
  env: Record<string, string> = {},
  options: { serverCore?: boolean } = {},
): Promise<ChildServer<T>> {
  const [command, args] = options.serverCore
    ? onServerCore(process.execPath, ["--import", "tsx", script])
    : [process.execPath, ["--import", "tsx", script]];
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const parsed = JSON.parse(line) as { ready?: T };
      if (parsed.ready) {
        clearTimeout(timer);
        resolve(parsed.ready);
      }
    });
  });
  return {
    info,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
