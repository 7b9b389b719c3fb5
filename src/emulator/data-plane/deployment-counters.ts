const WINDOW = 2048;

/** Requests by status class and a sliding window of latencies for one deployment: the basis of metric gates. */
export class DeploymentCounters {
  readonly byClass: Record<"2xx" | "4xx" | "5xx", number> = { "2xx": 0, "4xx": 0, "5xx": 0 };
  readonly byStatus: Record<string, number> = {};
  private readonly latencies = new Float64Array(WINDOW);
  private recorded = 0;

  record(status: number, latencyMs: number): void {
    const cls = status >= 500 ? "5xx" : status >= 400 ? "4xx" : "2xx";
    this.byClass[cls] += 1;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    this.latencies[this.recorded % WINDOW] = latencyMs;
    this.recorded += 1;
  }

  snapshot(): {
    requests: number;
    byStatusClass: Record<string, number>;
    byStatus: Record<string, number>;
    latencyMs: { p50: number; p90: number; p99: number } | null;
  } {
    const n = Math.min(this.recorded, WINDOW);
    const sorted = Array.from(this.latencies.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number): number => round(sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0);
    return {
      requests: this.recorded,
      byStatusClass: { ...this.byClass },
      byStatus: { ...this.byStatus },
      latencyMs: n === 0 ? null : { p50: at(0.5), p90: at(0.9), p99: at(0.99) },
    };
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
