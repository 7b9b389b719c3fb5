import https from "node:https";
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import { whileStarting, type LocalWorkspaceAccess } from "./local-workspace-access.js";

/** The emulator's `GET /_emulator/samples`: the sample payloads it ships, per endpoint it has. */
export const shippedSamples = z.object({
  value: z.array(
    z.object({ endpoint: z.string().min(1), name: z.string().min(1), description: z.string(), payload: z.unknown() }),
  ),
});

/** Copies the local workspace's shipped sample payloads into the store, without overwriting anything there. */
export async function seedLocalSamples(
  workspace: LocalWorkspaceAccess,
  store: Store,
  clock: Clock,
  log: Logger,
): Promise<void> {
  const read = await readShippedSamples(workspace).catch((error: unknown) => {
    log.warn("could not read the local workspace's samples", { error: String(error) });
    return undefined;
  });
  if (!read) return;
  let added = 0;
  for (const s of read.value) {
    if (await store.getSample(s.endpoint, s.name)) continue;
    await store.putSample({
      endpoint: s.endpoint,
      name: s.name,
      description: s.description,
      payload: JSON.stringify(s.payload),
      createdBy: "local workspace",
      createdAt: clock.now(),
    });
    added += 1;
  }
  if (added > 0) log.info("seeded sample payloads from the local workspace", { added });
}

async function readShippedSamples(workspace: LocalWorkspaceAccess): Promise<z.output<typeof shippedSamples>> {
  const text = await whileStarting(() => getText(`${workspace.url}/_emulator/samples`, workspace.caCertPem));
  return shippedSamples.parse(JSON.parse(text));
}

function getText(url: string, ca: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on("error", reject);
  });
}
