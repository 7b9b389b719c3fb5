import { setTimeout as sleep } from "node:timers/promises";
import { diabetesSamples } from "./lib/samples.js";
import { startChildServer } from "./lib/child-server.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";
import { canPin, pinLoadGenerator } from "./lib/cpu-pinning.js";
import { median, runLoad, type LoadTarget } from "./lib/load.js";
import { processCpuSeconds } from "./lib/process-cpu.js";
import { createArmClient, localCredential } from "../src/workspace/arm-client.js";

interface Round {
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU per request, µs. */
  cpuUs: number;
}

const ROUNDS = 11;
const REQUESTS_PER_ROUND = 4000;
const CONCURRENCY = 8;
/** Untimed passes over every server before the rounds: after 1000 requests the first round still cost about twice
 * the later ones (code still being optimised), on every server. */
const WARM_UP_PASSES = 2;
/** Longer than the emulator's deployment-log batching (50 ms), so work a round leaves behind is charged to it. */
const SETTLE_MS = 100;

/**
 * Scoring through the emulator's router versus a bare node:http server running the same ONNX session, measured in
 * alternating rounds in one run. Target: router ≥ 0.8 × bare throughput.
 *
 * Two measures of throughput, both paired per round: requests per second as the load generator saw them, and the
 * server's capacity (requests per CPU-second of the server process). On a 2-core machine the load generator shares
 * the machine with the server and often saturates first, so the first is bounded by the client; the second is the
 * server's own cost and is the one the target is judged on.
 */
export async function benchScoring(): Promise<{ ratio: number; throughputRatio: number; lines: string[] }> {
  const samples = diabetesSamples();
  const body = JSON.stringify(samples[0]?.payload);
  const bare = await startChildServer<{ url: string }>(
    "bench/servers/bare-scoring-server.ts",
    {},
    { serverCore: true },
  );
  const emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts", {}, { serverCore: true });
  const pinned = pinLoadGenerator();
  try {
    const bench = await createBenchEndpoint(emu.info);
    const auth = { authorization: `Bearer ${bench.key}` };
    const targets: Record<"bare" | "router" | "routerTls", { target: LoadTarget; pid: number }> = {
      bare: { target: { url: bare.info.url, headers: {}, body }, pid: bare.pid },
      router: { target: { url: emu.info.scoreUrl, headers: auth, body }, pid: emu.pid },
      routerTls: { target: { url: bench.scoringUri, headers: auth, body, ca: emu.info.caCertPem }, pid: emu.pid },
    };
    const names = Object.keys(targets) as (keyof typeof targets)[];
    for (let pass = 0; pass < WARM_UP_PASSES; pass++) {
      for (const name of names) await runLoad(targets[name].target, REQUESTS_PER_ROUND, CONCURRENCY);
    }
    await sleep(SETTLE_MS);
    const rounds: Record<keyof typeof targets, Round[]> = { bare: [], router: [], routerTls: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Every other round in reverse, so no server is always the one measured first (or right after another).
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const { target, pid } = targets[name];
        const cpuBefore = processCpuSeconds(pid) ?? 0;
        const load = await runLoad(target, REQUESTS_PER_ROUND, CONCURRENCY);
        // The emulator's deployment logs are written up to 50 ms after the last request and the closed connections
        // are torn down after it too: read the CPU once that is done, or it lands in another round, or in none.
        await sleep(SETTLE_MS);
        const cpuUs = (((processCpuSeconds(pid) ?? 0) - cpuBefore) * 1e6) / REQUESTS_PER_ROUND;
        rounds[name].push({ ...load, cpuUs });
      }
    }
    const summary = (name: keyof typeof targets) => ({
      throughput: median(rounds[name].map((r) => r.throughput)),
      p50: median(rounds[name].map((r) => r.p50)),
      p99: median(rounds[name].map((r) => r.p99)),
      cpuUs: median(rounds[name].map((r) => r.cpuUs)),
      errors: rounds[name].reduce((n, r) => n + r.errors, 0),
    });
    // Each round measures the servers back to back; the median of those paired ratios shrugs off a noisy round.
    const paired = (of: (r: Round) => number): number =>
      median(rounds.router.map((r, i) => of(r) / of(rounds.bare[i] ?? r)));
    const throughputRatio = paired((r) => r.throughput);
    const capacityRatio = paired((r) => 1 / r.cpuUs);
    const row = (label: string, s: ReturnType<typeof summary>): string =>
      `  ${label.padEnd(34)} ${s.throughput.toFixed(0).padStart(6)} req/s   p50 ${s.p50.toFixed(2)} ms   ` +
      `p99 ${s.p99.toFixed(2)} ms   server CPU ${s.cpuUs.toFixed(1)} µs/req (${(1e6 / s.cpuUs).toFixed(0)} req/CPU-s)   errors ${s.errors}`;
    return {
      ratio: capacityRatio,
      throughputRatio,
      lines: [
        `Scoring (diabetes:1, ${ROUNDS} rounds × ${REQUESTS_PER_ROUND} requests, concurrency ${CONCURRENCY}, medians; ` +
          `${canPin ? "servers on core 1, load generator on core 0" : "not pinned to cores"})`,
        row("bare node:http + ONNX session", summary("bare")),
        row("emulator router (node:http)", summary("router")),
        row("emulator router (HTTPS, as served)", summary("routerTls")),
        `  router / bare, server capacity (req per CPU-second): ${capacityRatio.toFixed(2)}   (target ≥ 0.80)`,
        `  router / bare, throughput seen by the load generator: ${throughputRatio.toFixed(2)}   (client-bound on 2 cores)`,
      ],
    };
  } finally {
    pinned.release();
    await Promise.all([bare.stop(), emu.stop()]);
  }
}

/** Endpoint `bench` with one deployment of diabetes:1 at 100 %, made through the SDK like any client would. */
async function createBenchEndpoint(info: EmulatorServerInfo): Promise<{ key: string; scoringUri: string }> {
  const client = createArmClient({
    subscriptionId: info.subscriptionId,
    credential: localCredential(),
    endpoint: info.armBaseUrl,
    caCertPem: info.caCertPem,
  });
  const { resourceGroup: rg, workspaceName: ws, location } = info;
  const poll = { updateIntervalInMs: 10 };
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(
    rg,
    ws,
    "bench",
    { location, properties: { authMode: "Key" } },
    poll,
  );
  await client.onlineDeployments.beginCreateOrUpdateAndWait(
    rg,
    ws,
    "bench",
    "blue",
    {
      location,
      // Room for the load generator's concurrency: the limit is 2 × per-instance concurrency × instances.
      sku: { name: "Default", capacity: 4 },
      properties: {
        endpointComputeType: "Managed",
        model: `${info.workspaceId}/models/diabetes/versions/1`,
        requestSettings: { maxConcurrentRequestsPerInstance: 8 },
      },
    },
    poll,
  );
  const endpoint = await client.onlineEndpoints.get(rg, ws, "bench");
  endpoint.properties.traffic = { blue: 100 };
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, "bench", endpoint, poll);
  const keys = await client.onlineEndpoints.listKeys(rg, ws, "bench");
  return { key: keys.primaryKey ?? "", scoringUri: endpoint.properties.scoringUri ?? "" };
}
