import { readFileSync } from "node:fs";
import { median, runLoad, type LoadResult } from "./lib/load.js";
import { startChildServer } from "./lib/child-server.js";

interface EmulatorInfo {
  httpUrl: string;
  httpsUrl: string;
  key: string;
  ca: string;
}

const ROUNDS = 5;
const REQUESTS_PER_ROUND = 3000;
const CONCURRENCY = 8;

/**
 * Scoring through the emulator's router versus a bare node:http server running the same ONNX session, measured in
 * alternating rounds in one run. Target: router ≥ 0.8 × bare throughput.
 */
export async function benchScoring(): Promise<{ ratio: number; lines: string[] }> {
  const samples = JSON.parse(readFileSync(new URL("../src/emulator/seed/samples.json", import.meta.url), "utf8")) as {
    payload: unknown;
  }[];
  const body = JSON.stringify(samples[0]?.payload);
  const bare = await startChildServer<{ url: string }>("bench/servers/bare-scoring-server.ts");
  const emu = await startChildServer<EmulatorInfo>("bench/servers/emulator-scoring-server.ts");
  try {
    const targets = {
      bare: { url: bare.info.url, headers: {}, body },
      router: { url: emu.info.httpUrl, headers: { authorization: `Bearer ${emu.info.key}` }, body },
      routerTls: {
        url: emu.info.httpsUrl,
        headers: { authorization: `Bearer ${emu.info.key}` },
        body,
        ca: emu.info.ca,
      },
    };
    for (const target of Object.values(targets)) await runLoad(target, 500, CONCURRENCY); // warm-up
    const results: Record<keyof typeof targets, LoadResult[]> = { bare: [], router: [], routerTls: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(targets) as (keyof typeof targets)[]) {
        results[name].push(await runLoad(targets[name], REQUESTS_PER_ROUND, CONCURRENCY));
      }
    }
    const summary = (name: keyof typeof targets) => ({
      throughput: median(results[name].map((r) => r.throughput)),
      p50: median(results[name].map((r) => r.p50)),
      p99: median(results[name].map((r) => r.p99)),
      errors: results[name].reduce((n, r) => n + r.errors, 0),
    });
    const b = summary("bare");
    const r = summary("router");
    const t = summary("routerTls");
    const ratio = r.throughput / b.throughput;
    const row = (label: string, s: ReturnType<typeof summary>): string =>
      `  ${label.padEnd(34)} ${s.throughput.toFixed(0).padStart(7)} req/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms   errors ${s.errors}`;
    return {
      ratio,
      lines: [
        `Scoring (diabetes:1, ${ROUNDS} rounds × ${REQUESTS_PER_ROUND} requests, concurrency ${CONCURRENCY}, medians)`,
        row("bare node:http + ONNX session", b),
        row("emulator router (node:http)", r),
        row("emulator router (HTTPS, as served)", t),
        `  router / bare throughput: ${ratio.toFixed(2)} (target ≥ 0.80)`,
      ],
    };
  } finally {
    await Promise.all([bare.stop(), emu.stop()]);
  }
}
