import { readFileSync } from "node:fs";

/** The local workspace as the bot reaches it: its ARM base URL and the CA its TLS certificate is signed by. */
export interface LocalWorkspaceAccess {
  url: string;
  caCertPem: string;
}

/** Reads the CA the emulator made on its first start (`<EMULATOR_DATA_DIR>/tls/ca.pem`). */
export function localWorkspaceAccess(workspace: { url: string; caCertPath: string }): LocalWorkspaceAccess {
  try {
    return { url: workspace.url, caCertPem: readFileSync(workspace.caCertPath, "utf8") };
  } catch {
    throw new Error(
      `The local workspace's CA certificate is missing at ${workspace.caCertPath}. Start the emulator first (npm run emulator).`,
    );
  }
}
