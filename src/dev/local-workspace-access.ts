import { readFile } from "node:fs/promises";

/** The local workspace as the bot reaches it: its ARM base URL and the CA its TLS certificate is signed by. */
export interface LocalWorkspaceAccess {
  url: string;
  caCertPem: string;
}

// npm start starts the bot beside the local workspace, not after it: on a first start the emulator may still be
// making its CA when the bot looks for it.
const RETRY_MS = 100;
export const LOCAL_WORKSPACE_WAIT_MS = 15_000;

/** Reads the CA the emulator makes on its first start (`<EMULATOR_DATA_DIR>/tls/ca.pem`), waiting a while for it. */
export async function localWorkspaceAccess(
  workspace: { url: string; caCertPath: string },
  waitMs = LOCAL_WORKSPACE_WAIT_MS,
): Promise<LocalWorkspaceAccess> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    try {
      return { url: workspace.url, caCertPem: await readFile(workspace.caCertPath, "utf8") };
    } catch {
      if (performance.now() > deadline) {
        throw new Error(
          `The local workspace's CA certificate is missing at ${workspace.caCertPath}. Start the emulator first (npm run emulator).`,
        );
      }
      await retryPause();
    }
  }
}

/** `work` again while it fails with a refused connection (a local workspace not listening yet), for up to `waitMs`. */
export async function whileStarting<T>(work: () => Promise<T>, waitMs = LOCAL_WORKSPACE_WAIT_MS): Promise<T> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== "ECONNREFUSED" || performance.now() > deadline) throw error;
      await retryPause();
    }
  }
}

const retryPause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, RETRY_MS));
