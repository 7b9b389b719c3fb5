import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "../../../../src/core/evidence/gate-settings.js";
import { verdictLine } from "../../../../src/core/evidence/evidence-view.js";
import { judge, nextBaseline } from "../../../../src/core/evidence/judge.js";
import { gateWindow } from "../../../../src/core/evidence/window.js";
import type { Evidence } from "../../../../src/ports/evidence.js";
import { reviveEvidence } from "../../../../src/ports/evidence.js";
import { aWindow, at, judgeGreen, minutes } from "./evidence-fixtures.js";

/** What a person reads of a judgment: the overall result and each gate's line. */
const read = (e: Evidence) => ({ result: e.result, lines: e.gates.map(verdictLine) });

const healthyLive = minutes(10, { requests: 300, failed: 1, p50Ms: 20, p95Ms: 40 }); // 3000 requests, 0.3 % failed

describe("the gates", () => {
  it("pass when the new deployment fails no more and is no slower than the limits allow", () => {
    const e = judgeGreen({ blue: healthyLive, green: minutes(10, { requests: 30, p50Ms: 22, p95Ms: 48 }) });
    expect(read(e)).toEqual({
      result: "pass",
      lines: [
        "Failed requests: new 0.0 % (0 of 300) vs live 0.3 % — within the limit of 2 % (live + 1 pt, at least 2 %): pass",
        "p95 latency: new 48 ms vs live 40 ms — within the limit of 80 ms (1.5 × live + 20 ms): pass",
      ],
    });
    expect(e.figures.candidate).toMatchObject({ requests: 300, failed: 0, p50Ms: 22, p95Ms: 48, minutes: 10 });
  });

  it("breach on failed share above both live + 1 point and 2 %", () => {
    const live = minutes(10, { requests: 300, failed: [2, 1, 1, 1, 1, 1, 1, 1, 1, 2], p95Ms: 40 }); // 12 of 3000: 0.4 %
    const green = minutes(10, { requests: 30, failed: [0, 0, 0, 13, 13, 13, 13, 13, 14, 14], p95Ms: 40 });
    const e = judgeGreen({ blue: live, green });
    expect(e.result).toBe("breach");
    expect(verdictLine(e.gates[0]!)).toBe(
      "Failed requests: new 31.0 % (93 of 300) vs live 0.4 % — above the limit of 2 % (live + 1 pt, at least 2 %): breach",
    );
    expect(e.gates[0]).toMatchObject({ result: "breach", limit: 0.02, value: 0.31 });
  });

  it("does not breach a new version no worse than a live one already failing (at the limit is within it)", () => {
    const live = minutes(10, { requests: 300, failed: 15, p95Ms: 40 }); // 5 %
    const e = judgeGreen({
      blue: live,
      green: minutes(10, { requests: 30, failed: [2, 2, 2, 2, 2, 2, 2, 2, 1, 1], p95Ms: 40 }),
    }); // 6 %
    expect(e.gates[0]?.why).toBe(
      "new 6.00 % (18 of 300) vs live 5.0 % — within the limit of 6 % (live + 1 pt, at least 2 %): pass",
    );
  });

  it("lets a couple of failures in low traffic pass under 2 %, and says so with two decimals at the limit", () => {
    const e = judgeGreen({ blue: healthyLive, green: minutes(10, { requests: 10, failed: [1, 1], p95Ms: 40 }) }); // 2 of 100
    expect(e.gates[0]?.why).toBe(
      "new 2.00 % (2 of 100) vs live 0.3 % — within the limit of 2 % (live + 1 pt, at least 2 %): pass",
    );
  });

  it("breach on p95 above 1.5 × live + 20 ms", () => {
    const e = judgeGreen({ blue: healthyLive, green: minutes(10, { requests: 30, p95Ms: 95 }) });
    expect(read(e)).toEqual({
      result: "breach",
      lines: [
        "Failed requests: new 0.0 % (0 of 300) vs live 0.3 % — within the limit of 2 % (live + 1 pt, at least 2 %): pass",
        "p95 latency: new 95 ms vs live 40 ms — above the limit of 80 ms (1.5 × live + 20 ms): breach",
      ],
    });
  });

  it("weights each minute's p95 by its requests: a quiet slow minute does not make a window slow", () => {
    const green = [
      ...minutes(9, { requests: 100, p95Ms: 50 }),
      ...minutes(1, { requests: 2, p95Ms: 2000 }, 9), // a plain mean would say 245 ms
    ];
    const e = judgeGreen({ blue: healthyLive, green });
    expect(e.figures.candidate.p95Ms).toBeCloseTo((900 * 50 + 2 * 2000) / 902, 6);
    expect(e.gates[1]?.result).toBe("pass");
  });

  it("is inconclusive, never a pass, with fewer requests to the new deployment than the minimum", () => {
    const e = judgeGreen({ blue: healthyLive, green: minutes(4, { requests: 3, p95Ms: 30 }) });
    expect(e.result).toBe("inconclusive");
    expect(e.gates.map((g) => g.result)).toEqual(["inconclusive", "inconclusive"]);
    expect(verdictLine(e.gates[0]!)).toBe(
      "Failed requests: inconclusive: the new deployment took 12 of the 50 requests needed in the window; the gate decides once it has taken 50",
    );
  });

  it("gives no breach on low traffic either, however many of its few requests failed", () => {
    const e = judgeGreen({ blue: healthyLive, green: minutes(4, { requests: 3, failed: 3, p95Ms: 900 }) });
    expect(e.result).toBe("inconclusive");
  });

  it("counts absent minutes as nothing: neither as requests nor as zeros that dilute the failures", () => {
    // Azure reported 5 of the 10 minutes for green; each had 20 requests, 2 failed.
    const green = minutes(10, { requests: 20, failed: 2, p95Ms: 40 }).filter((_, i) => i % 2 === 0);
    const e = judgeGreen({ blue: healthyLive, green });
    expect(e.figures.candidate).toMatchObject({ requests: 100, failed: 10, failedShare: 0.1, minutes: 5 });
    expect(e.gates[0]?.result).toBe("breach");
  });

  it("reads only the window's minutes: those still inside Azure's delay are left out", () => {
    const appliedAt = new Date(at(0).getTime() - 20_000); // 10:40:40
    const now = new Date(at(12).getTime() + 30_000); // 10:53:30
    const window = gateWindow(appliedAt, now, 3 * 60_000)!; // 10:41–10:50
    // Minutes 9–12 are not aggregated yet: Azure says 0 requests, or nothing.
    const green = [...minutes(9, { requests: 10, failed: 1, p95Ms: 40 }), ...minutes(3, { requests: 0 }, 9)];
    const e = judgeGreen({ blue: healthyLive, green }, { window });
    expect(window.minutes).toBe(9);
    expect(e.figures.candidate).toMatchObject({ requests: 90, failed: 9, minutes: 9 });
  });

  it("leaves out the minute that began before the traffic changed", () => {
    const appliedAt = new Date(at(0).getTime() - 30_000); // 10:40:30; the minute 10:40 mixes two splits
    const window = gateWindow(appliedAt, at(15), 0)!;
    const green = minutes(16, { requests: 10, p95Ms: 40 }, -1); // from 10:40
    green[0] = { ...green[0]!, failed: 10 }; // the mixed minute's failures (from before) do not count
    const e = judgeGreen({ blue: healthyLive, green }, { window });
    expect(e.window?.from).toEqual(at(0));
    expect(e.figures.candidate).toMatchObject({ requests: 150, failed: 0 });
  });

  it("compares with the live deployment's last window with traffic when it takes none in this one, and says so", () => {
    const earlier = judgeGreen(
      { blue: healthyLive, green: minutes(10, { requests: 30, p95Ms: 42 }) },
      { window: aWindow(10) },
    );
    const lastStep = judgeGreen(
      { green: minutes(10, { requests: 330, failed: [4, 4, 4, 3, 3, 3, 3, 3, 3, 3], p95Ms: 70 }, 20) },
      { window: aWindow(10, 20), earlierLive: nextBaseline(earlier) },
    );
    expect(lastStep.baseline).toMatchObject({ earlier: true, window: aWindow(10) });
    expect(read(lastStep)).toEqual({
      result: "pass",
      lines: [
        "Failed requests: new 1.0 % (33 of 3300) vs live 0.3 % in 10:41–10:51 UTC, an earlier window — within the limit of 2 % (live + 1 pt, at least 2 %): pass",
        "p95 latency: new 70 ms vs live 40 ms in 10:41–10:51 UTC, an earlier window — within the limit of 80 ms (1.5 × live + 20 ms): pass",
      ],
    });
    // The baseline is kept for the next judgment of the last step.
    expect(nextBaseline(lastStep)).toEqual(nextBaseline(earlier));
  });

  it("does not let a handful of live requests with a failure loosen the failed-requests limit", () => {
    const live = minutes(2, { requests: 5, failed: 1, p95Ms: 40 }); // 2 of 10 failed: 20 %
    const e = judgeGreen({ blue: live, green: minutes(10, { requests: 30, failed: 3, p95Ms: 40 }) }); // 10 %
    expect(e.baseline).toBeUndefined();
    expect(e.gates[0]?.result).toBe("breach");
  });

  it("without any live baseline holds failed share to 2 % alone and calls latency inconclusive", () => {
    const e = judgeGreen({ green: minutes(10, { requests: 30, failed: [1, 1, 1], p95Ms: 40 }) });
    expect(read(e)).toEqual({
      result: "inconclusive",
      lines: [
        "Failed requests: new 1.0 % (3 of 300), no live share to compare with — within the limit of 2 % (the absolute limit alone): pass",
        "p95 latency: inconclusive: new 40 ms, but no live latency to compare with; the gate decides once Azure reports the live deployment's p95 over a window in which it took 50 requests",
      ],
    });
  });

  it("is inconclusive on every gate with the reason when the metrics are unavailable", () => {
    const e = judge({
      live: "blue",
      candidate: "green",
      window: aWindow(),
      thresholds: { ...DEFAULT_THRESHOLDS },
      unavailable: "the bot's identity lacks the Monitoring Reader role (403)",
    });
    expect(e.result).toBe("inconclusive");
    expect(e.gates.map((g) => g.why)).toEqual([
      "inconclusive: Azure Monitor's metrics could not be read (the bot's identity lacks the Monitoring Reader role (403)); the gate decides once they can be",
      "inconclusive: Azure Monitor's metrics could not be read (the bot's identity lacks the Monitoring Reader role (403)); the gate decides once they can be",
    ]);
  });

  it("is inconclusive before any whole minute has settled", () => {
    const e = judgeGreen({ blue: healthyLive }, { window: undefined });
    expect(e.result).toBe("inconclusive");
    expect(e.gates[0]?.why).toContain("no whole minute has settled since the traffic changed");
  });

  it("says Azure reported no p95 for the new deployment rather than passing its latency", () => {
    const e = judgeGreen({ blue: healthyLive, green: minutes(10, { requests: 30 }) });
    expect(e.gates[1]).toMatchObject({ result: "inconclusive" });
    expect(e.gates[1]?.why).toContain("Azure reported no p95 latency for the new deployment");
  });

  it("follows the thresholds it is given", () => {
    const e = judgeGreen(
      { blue: healthyLive, green: minutes(10, { requests: 30, failed: [1, 1, 1, 1, 1, 1], p95Ms: 60 }) }, // 2 %
      { thresholds: { failedPoints: 0.5, failedMaxPercent: 1, p95Ratio: 1, p95Ms: 10, minRequests: 100 } },
    );
    expect(e.gates.map(verdictLine)).toEqual([
      "Failed requests: new 2.0 % (6 of 300) vs live 0.3 % — above the limit of 1 % (live + 0.5 pt, at least 1 %): breach",
      "p95 latency: new 60 ms vs live 40 ms — above the limit of 50 ms (1 × live + 10 ms): breach",
    ]);
  });

  it("keeps the chart's last 30 minutes, and survives a trip through JSON", () => {
    const e = judgeGreen(
      { blue: minutes(120, { requests: 300, p95Ms: 40 }), green: minutes(120, { requests: 30, p95Ms: 45 }) },
      { window: aWindow(120) },
    );
    expect(e.points).toHaveLength(30);
    expect(e.points[0]?.at).toEqual(at(90));
    expect(e.points[29]).toEqual({
      at: at(119),
      live: { failedShare: 0, p95Ms: 40 },
      candidate: { failedShare: 0, p95Ms: 45 },
    });
    expect(reviveEvidence(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });
});
