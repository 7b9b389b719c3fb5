import { describe, expect, it } from "vitest";
import { KEPT_MINUTES, RequestMinutes } from "../../../../src/emulator/data-plane/request-minutes.js";

const MINUTE = 29_000_000; // 2025-02-22T…: any whole minute since the epoch

describe("a deployment's requests per minute", () => {
  it("counts a minute's requests by status and model status, and its latencies' mean and nearest-rank percentiles", () => {
    const minutes = new RequestMinutes();
    for (let ms = 1; ms <= 100; ms++) minutes.record(MINUTE, ms <= 90 ? 200 : 424, ms <= 90 ? 200 : 500, ms);

    const [minute] = minutes.between(MINUTE, MINUTE + 1);

    expect(minute?.requests).toBe(100);
    expect(minute?.byStatus).toEqual(
      expect.arrayContaining([
        { status: 200, modelStatus: 200, requests: 90 },
        { status: 424, modelStatus: 500, requests: 10 },
      ]),
    );
    expect(minute?.latency).toEqual({ mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99 });
  });

  it("keeps each minute apart, sealed once a request lands in a later one", () => {
    const minutes = new RequestMinutes();
    minutes.record(MINUTE, 200, 200, 10);
    minutes.record(MINUTE, 200, 200, 30);
    minutes.record(MINUTE + 2, 429, 429, 1);

    const found = minutes.between(MINUTE - 5, MINUTE + 5);

    expect(found.map((m) => [m.minute - MINUTE, m.requests, m.latency.mean])).toEqual([
      [0, 2, 20],
      [2, 1, 1],
    ]);
    expect(found[1]?.byStatus).toEqual([{ status: 429, modelStatus: 429, requests: 1 }]);
  });

  it("bounds a busy minute's latency sample while its count and mean stay exact", () => {
    const minutes = new RequestMinutes(() => 0.999_999);
    for (let i = 0; i < 5000; i++) minutes.record(MINUTE, 200, 200, i < 1024 ? 1 : 1000);

    const [minute] = minutes.between(MINUTE, MINUTE + 1);

    expect(minute?.requests).toBe(5000);
    expect(minute?.latency.mean).toBeCloseTo((1024 + 3976 * 1000) / 5000, 6);
    // A random draw past the sample never replaces anything: the sample is the first 1024, all 1 ms.
    expect(minute?.latency.p99).toBe(1);
  });

  it("forgets minutes more than a day before the newest one asked for", () => {
    const minutes = new RequestMinutes();
    minutes.record(MINUTE, 200, 200, 5);
    minutes.record(MINUTE + KEPT_MINUTES, 200, 200, 5);
    minutes.record(MINUTE + KEPT_MINUTES + 1, 200, 200, 5);

    const found = minutes.between(MINUTE, MINUTE + KEPT_MINUTES + 2);

    expect(found.map((m) => m.minute - MINUTE)).toEqual([KEPT_MINUTES, KEPT_MINUTES + 1]);
  });

  it("adds up a minute the clock came back to", () => {
    const minutes = new RequestMinutes();
    minutes.record(MINUTE, 200, 200, 10);
    minutes.record(MINUTE + 1, 200, 200, 10);
    minutes.record(MINUTE, 500, 500, 40);

    const [minute] = minutes.between(MINUTE, MINUTE + 1);

    expect(minute?.requests).toBe(2);
    expect(minute?.latency.mean).toBe(25);
    expect(minute?.byStatus).toEqual(
      expect.arrayContaining([
        { status: 200, modelStatus: 200, requests: 1 },
        { status: 500, modelStatus: 500, requests: 1 },
      ]),
    );
  });
});
