import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The emulator running as its own process (`node --import tsx src/emulator/main.ts`), as `npm run emulator` runs it. */
export interface EmulatorProcess {
  armBaseUrl: string;
  adminBaseUrl: string;
  workspaceId: string;
  caCertPem: string;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  /** Sends SIGTERM and resolves to the exit code once the process has ended. */
  stop(): Promise<number | null>;
}

/** Starts the emulator on a free port over `dataDir` and waits until it prints its ARM base URL. */
export async function startEmulatorProcess(
  dataDir: string,
  env: Record<string, string> = {},
  startTimeoutMs = 30_000,
): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/emulator/main.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, EMULATOR_DATA_DIR: dataDir, EMULATOR_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const banner = await new Promise<{ armBaseUrl: string; workspaceId: string; caCertPath: string }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the emulator process did not start within ${startTimeoutMs} ms:\n${output}`));
      }, startTimeoutMs);
      const check = (): void => {
        const armBaseUrl = /ARM base URL:\s+(\S+)/.exec(output)?.[1];
        const workspaceId = /Workspace id:\s+(\S+)/.exec(output)?.[1];
        const caCertPath = /CA certificate:\s+(\S+)/.exec(output)?.[1];
        if (armBaseUrl && workspaceId && caCertPath && /Admin routes:/.test(output)) {
          clearTimeout(timer);
          resolve({ armBaseUrl, workspaceId, caCertPath });
        }
      };
      child.stdout?.on("data", check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the emulator process exited with ${String(code)} before it was up:\n${output}`));
      });
    },
  );

  return {
    armBaseUrl: banner.armBaseUrl,
    adminBaseUrl: `${banner.armBaseUrl}/_emulator`,
    workspaceId: banner.workspaceId,
    caCertPem: readFileSync(banner.caCertPath, "utf8"),
    output: () => output,
    stop: () => stopProcess(child, exited),
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
