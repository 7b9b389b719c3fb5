import http from "node:http";
import https from "node:https";

export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
  ca?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
}

/** Sends `requests` POSTs with `concurrency` keep-alive connections and measures each one. */
export async function runLoad(target: LoadTarget, requests: number, concurrency: number): Promise<LoadResult> {
  const url = new URL(target.url);
  const secure = url.protocol === "https:";
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: concurrency, ...(target.ca ? { ca: target.ca } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = (secure ? https : http).request(
        url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            ...target.headers,
            "content-length": Buffer.byteLength(target.body),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) errors += 1;
            latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors += 1;
        resolve();
      });
      req.end(target.body);
    });
  const worker = async (): Promise<void> => {
    while (next < requests) {
      next += 1;
      await one();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests, errors, seconds, throughput: requests / seconds, p50: at(0.5), p99: at(0.99) };
}

/** Keeps the better half of repeated rounds' throughput, the usual way to damp a noisy shared machine. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
