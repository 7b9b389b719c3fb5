// The sample payloads the local workspace ships for diabetes-prod, for benches that need them on other endpoints.
import { SEED, seedSamples, type SeedSample } from "../../src/emulator/seed/seed-workspace.js";
import type { Store } from "../../src/ports/store.js";

export function diabetesSamples(): SeedSample[] {
  return seedSamples()[SEED.endpoint] ?? [];
}

/** Stores every shipped sample on each endpoint, as the bot tests do: a smoke test sends each to both deployments. */
export async function putSamples(store: Pick<Store, "putSample">, endpoints: readonly string[]): Promise<void> {
  const samples = diabetesSamples();
  for (const endpoint of endpoints) {
    for (const s of samples) {
      await store.putSample({
        endpoint,
        name: s.name,
        payload: JSON.stringify(s.payload),
        createdBy: "bench",
        createdAt: new Date(),
      });
    }
  }
}
