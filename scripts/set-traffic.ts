import { existsSync, readFileSync } from "node:fs";
import { loadConfig } from "../src/config.js";
import { createArmClient, localCredential } from "../src/workspace/arm-client.js";

/**
 * `npm run set-traffic -- <endpoint> blue=70 green=30`: changes an endpoint's traffic in the local workspace the way
 * someone in Azure ML studio or the CLI would, behind GreenLight's back — to see a rollout pause, and what it offers
 * then. Local mode only (it talks to the workspace `npm start` runs).
 */
async function main(args: string[]): Promise<void> {
  const [endpoint, ...shares] = args;
  const traffic = Object.fromEntries(
    shares.map((share) => {
      const match = /^([a-z][a-z0-9-]{0,31})=(\d{1,3})$/i.exec(share);
      if (!match) fail(`'${share}' is not deployment=percent (e.g. blue=70).`);
      return [match[1] ?? "", Number(match[2])];
    }),
  );
  if (!endpoint || shares.length === 0) fail("Usage: npm run set-traffic -- <endpoint> <deployment>=<percent> …");
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig(process.env);
  const ws = config.workspace;
  if (ws.mode !== "local")
    fail("set-traffic changes the local workspace only; use Azure ML studio or the CLI in Azure.");
  const client = createArmClient({
    subscriptionId: ws.subscriptionId,
    credential: localCredential(),
    endpoint: process.env.LOCAL_WORKSPACE_URL ?? ws.url,
    caCertPem: readFileSync(ws.caCertPath, "utf8"),
  });
  const current = await client.onlineEndpoints.get(ws.resourceGroup, ws.workspace, endpoint);
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(
    ws.resourceGroup,
    ws.workspace,
    endpoint,
    { ...current, properties: { ...current.properties, traffic } },
    { updateIntervalInMs: 200 },
  );
  console.log(`${endpoint}: traffic is now ${shares.join(", ")}.`);
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
