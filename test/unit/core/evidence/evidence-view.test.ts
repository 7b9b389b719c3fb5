import * as ACData from "adaptivecards-templating";
import { describe, expect, it } from "vitest";
import { evidenceChart, evidenceView } from "../../../../src/core/evidence/evidence-view.js";
import { DEFAULT_THRESHOLDS } from "../../../../src/core/evidence/gate-settings.js";
import { judge, nextBaseline } from "../../../../src/core/evidence/judge.js";
import type { Evidence } from "../../../../src/ports/evidence.js";
import { activeMarkup, unescapeMarkdown } from "../../../support/card-markdown.js";
import { aWindow, judgeGreen, minutes } from "./evidence-fixtures.js";

/** The evidence section as a reader sees it: summary, and facts by title. */
function shown(e: Evidence) {
  const view = evidenceView(e);
  return {
    summary: unescapeMarkdown(view.summary),
    tone: view.tone,
    facts: Object.fromEntries(view.facts.map((f) => [f.title, unescapeMarkdown(f.value)])),
  };
}

const live = minutes(10, { requests: 300, failed: [2, 1, 1, 1, 1, 1, 1, 1, 1, 2], p50Ms: 20, p95Ms: 40 });
const failing = minutes(10, { requests: 30, failed: [0, 0, 0, 13, 13, 13, 13, 13, 14, 14], p50Ms: 22, p95Ms: 48 });

/** A card holding the evidence the way a template would: its facts, then its chart when there is one. */
const template = new ACData.Template({
  type: "AdaptiveCard",
  version: "1.5",
  body: [
    { type: "TextBlock", text: "${evidence.summary}", color: "${evidence.tone}", wrap: true },
    { type: "FactSet", facts: [{ $data: "${evidence.facts}", title: "${title}", value: "${value}" }] },
    { type: "Container", $when: "${exists(evidence.chart)}", items: ["${evidence.chart}"] },
  ],
});
const card = (e: Evidence): Record<string, unknown> =>
  template.expand({ $root: { evidence: evidenceView(e) } }) as Record<string, unknown>;

describe("the evidence on the card", () => {
  it("shows the window, live against new side by side, and each gate's verdict with its numbers", () => {
    expect(shown(judgeGreen({ blue: live, green: failing }))).toEqual({
      summary: "Gates breached by green: failed requests.",
      tone: "Attention",
      facts: {
        Window: "10:41–10:51 UTC · 10 whole minutes",
        Requests: "green (new) 300 · blue (live) 3000",
        "Failed share": "green 31.0 % (93) · blue 0.4 % (12)",
        p50: "green 22 ms · blue 20 ms",
        p95: "green 48 ms · blue 40 ms",
        "Failed requests":
          "new 31.0 % (93 of 300) vs live 0.4 % — above the limit of 2 % (live + 1 pt, at least 2 %): breach",
        "p95 latency": "new 48 ms vs live 40 ms — within the limit of 80 ms (1.5 × live + 20 ms): pass",
      },
    });
  });

  it("says a pass over how many minutes, in green", () => {
    const view = shown(judgeGreen({ blue: live, green: minutes(10, { requests: 30, p95Ms: 41 }) }));
    expect(view.summary).toBe("Gates pass: green is within every limit over 10 whole minutes.");
    expect(view.tone).toBe("Good");
    const one = judgeGreen(
      { blue: minutes(1, { requests: 300, p95Ms: 40 }), green: minutes(1, { requests: 60, p95Ms: 41 }) },
      { window: aWindow(1) },
    );
    expect(shown(one).summary).toBe("Gates pass: green is within every limit over 1 whole minute.");
    // One minute is a dot on an empty chart: the facts say it already.
    expect(evidenceChart(one)).toBeUndefined();
  });

  it("says an inconclusive result is not a pass, and why each gate could not decide", () => {
    const view = shown(judgeGreen({ blue: live, green: minutes(4, { requests: 3, p95Ms: 41 }) }));
    expect(view.summary).toBe("Gates inconclusive for green (failed requests and p95 latency): not a pass.");
    expect(view.tone).toBe("Warning");
    expect(view.facts["Failed requests"]).toBe(
      "inconclusive: the new deployment took 12 of the 50 requests needed in the window; the gate decides once it has taken 50",
    );
    expect(view.facts.Window).toBe("10:41–10:51 UTC · 10 whole minutes · Azure reported 4 of them for green");
  });

  it("names the earlier window the live figures come from on the last step", () => {
    const before = judgeGreen({ blue: live, green: minutes(10, { requests: 30, p95Ms: 41 }) });
    const e = judgeGreen(
      { green: minutes(10, { requests: 330, p95Ms: 45 }, 20) },
      { window: aWindow(10, 20), earlierLive: nextBaseline(before) },
    );
    expect(shown(e).facts["Compared with"]).toBe(
      "blue in 10:41–10:51 UTC, an earlier window (too little live traffic in this one): 0.4 % (12) failed, p95 40 ms",
    );
  });

  it("says when there is no live baseline at all", () => {
    const e = judgeGreen({ green: minutes(10, { requests: 30, p95Ms: 41 }) });
    expect(shown(e).facts["Compared with"]).toBe(
      "no live baseline: blue took 0 requests in this window, too few to compare with, and no earlier window of it is known",
    );
  });

  it("shows only the window and the reason when the metrics are unavailable, escaped", () => {
    const e = judge({
      live: "blue",
      candidate: "green",
      window: aWindow(),
      thresholds: { ...DEFAULT_THRESHOLDS },
      unavailable: "denied, see [docs](https://evil.example)",
    });
    const view = shown(e);
    expect(Object.keys(view.facts)).toEqual(["Window", "Failed requests", "p95 latency"]);
    expect(view.facts["p95 latency"]).toContain("could not be read (denied, see [docs](https://evil.example))");
    expect(activeMarkup(card(e))).toEqual([]);
    expect(evidenceView(e).chart).toBeUndefined();
  });

  it("escapes deployment names wherever they appear, the chart's fallback included", () => {
    const evil = "[x](https://evil.example)";
    const e = judge({
      live: "<b>blue</b>",
      candidate: evil,
      window: aWindow(),
      thresholds: { ...DEFAULT_THRESHOLDS },
      metrics: { "<b>blue</b>": live, [evil]: failing },
    });
    const view = evidenceView(e);
    expect(view.facts.map((f) => f.value).join("\n")).not.toContain("](");
    expect(view.summary).not.toContain("](");
    expect(activeMarkup(card(e))).toEqual([]);
    expect(unescapeMarkdown(view.facts[1]?.value ?? "")).toBe(`${evil} (new) 300 · <b>blue</b> (live) 3000`);
  });
});

describe("the evidence chart", () => {
  const day = judgeGreen(
    {
      blue: minutes(1440, { requests: 3000, failed: 7, p95Ms: 41.26 }),
      green: minutes(1440, { requests: 1000, failed: 123, p95Ms: 48.74 }),
    },
    { window: aWindow(1440) },
  );

  it("draws live and new per minute over the last 30 minutes, with the limit, rounded", () => {
    const chart = evidenceChart(day)!;
    expect(chart).toMatchObject({
      type: "Chart.Line",
      title: "Failed share per minute",
      xAxisTitle: "minutes since 10:11 UTC",
      yAxisTitle: "%",
    });
    expect(chart.data.map((s) => s.legend)).toEqual(["green (new)", "blue (live)", "limit"]);
    const [green, blue, limit] = chart.data;
    expect(green?.values).toHaveLength(30);
    expect(green?.values[0]).toEqual({ x: 0, y: 12.3 });
    expect(blue?.values[29]).toEqual({ x: 29, y: 0.23 });
    expect(limit?.values).toEqual([
      { x: 0, y: 2 },
      { x: 29, y: 2 },
    ]);
  });

  it("falls back to a line of text for clients that draw no charts", () => {
    expect(unescapeMarkdown(evidenceChart(day)!.fallback.text)).toBe(
      "Failed share per minute, 10:11–10:41 UTC: green (new) 12.3–12.3 % (highest 10:11 UTC) · blue (live) 0.23–0.23 % (highest 10:11 UTC) · limit 2 %",
    );
  });

  it("says in the fallback where each line peaked", () => {
    const chart = evidenceChart(judgeGreen({ blue: live, green: failing }))!;
    expect(unescapeMarkdown(chart.fallback.text)).toBe(
      "Failed share per minute, 10:41–10:51 UTC: green (new) 0–46.67 % (highest 10:49 UTC) · blue (live) 0.33–0.67 % (highest 10:41 UTC) · limit 2 %",
    );
  });

  it("draws p95 when only the latency gate breached", () => {
    const e = judgeGreen({ blue: live, green: minutes(10, { requests: 30, p95Ms: 120 }) });
    const chart = evidenceChart(e)!;
    expect(chart.title).toBe("p95 latency per minute");
    expect(chart.data.map((s) => s.values.at(-1)?.y)).toEqual([120, 40, 80]);
  });

  it("stays small: a day of minutes with long names is a few KB of the card's 28 KB", () => {
    const long = "d".repeat(300);
    const e = judge({
      live: long,
      candidate: `${long}-new`,
      window: aWindow(1440),
      thresholds: { ...DEFAULT_THRESHOLDS },
      metrics: {
        [long]: minutes(1440, { requests: 3000, failed: 7, p50Ms: 12.3456, p95Ms: 41.26789 }),
        [`${long}-new`]: minutes(1440, { requests: 1000, failed: 123, p50Ms: 13.98765, p95Ms: 48.74321 }),
      },
    });
    const bytes = Buffer.byteLength(JSON.stringify(card(e)));
    expect(bytes).toBeLessThan(8 * 1024);
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThan(8 * 1024);
    const chart = card(e).body as { items?: { type: string; data: { values: unknown[] }[] }[] }[];
    expect(chart[2]?.items?.[0]?.type).toBe("Chart.Line");
    expect(chart[2]?.items?.[0]?.data.every((s) => s.values.length <= 30)).toBe(true);
  });

  it("leaves absent minutes out of a line rather than drawing them as zeros", () => {
    const green = minutes(10, { requests: 30, failed: 3, p95Ms: 41 }).filter((_, i) => i !== 4);
    const chart = evidenceChart(judgeGreen({ blue: live, green }))!;
    expect(chart.data[0]?.values.map((v) => v.x)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
  });
});
