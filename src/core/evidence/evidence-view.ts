// How evidence reads, everywhere: each gate's why, the card's facts and chart, and the bake and gates a plan shows.
// Every word about evidence is here.
import type {
  Evidence,
  Figures,
  GateName,
  GateResult,
  GateThresholds,
  GateVerdict,
  GateWindow,
  MinutePoint,
} from "../../ports/evidence.js";
import type { Markdown } from "../../ports/notifier.js";
import { escapeMarkdown as md, msg, trusted } from "../views/markdown.js";
import { durationText, minuteText, timeOfDayText } from "../views/time.js";
import { BAKE_TAG } from "./bake.js";
import { GATES_TAG, type GateSettingName } from "./gate-settings.js";
import type { EvidenceSettings } from "./settings.js";

/** What a gate found, for `gateWhy` to word. Shares are fractions, latencies ms. */
export type GateFinding =
  | { kind: "unavailable"; reason: string }
  | { kind: "no_window" }
  | { kind: "too_few_requests"; requests: number; needed: number }
  | {
      kind: "failed_share";
      result: "pass" | "breach";
      candidate: Figures & { failedShare: number };
      /** The live share compared with, and the earlier window it is from (absent: this window). */
      live?: { failedShare: number; earlier?: GateWindow };
      limit: number;
      thresholds: GateThresholds;
    }
  | {
      kind: "p95";
      result: "pass" | "breach";
      candidateMs: number;
      liveMs: number;
      earlier?: GateWindow;
      limit: number;
      thresholds: GateThresholds;
    }
  | { kind: "no_candidate_latency" }
  | { kind: "no_live_latency"; candidateMs: number; needed: number };

export const GATE_LABELS: Record<GateName, string> = {
  failed_requests: "Failed requests",
  p95_latency: "p95 latency",
};

/** A gate named in a sentence: "the failed-request gate breached". */
export const GATE_NOUNS: Record<GateName, string> = {
  failed_requests: "failed-request",
  p95_latency: "p95 latency",
};

/** A gate's verdict in plain words, with the numbers and the limit, or why there is none and what would decide it. */
export function gateWhy(f: GateFinding): string {
  switch (f.kind) {
    case "unavailable":
      return `inconclusive: Azure Monitor's metrics could not be read (${f.reason}); the gate decides once they can be`;
    case "no_window":
      return "inconclusive: no whole minute has settled since the traffic changed; the gate decides once Azure Monitor has reported one";
    case "too_few_requests":
      return `inconclusive: the new deployment took ${count(f.requests)} of the ${f.needed} requests needed in the window; the gate decides once it has taken ${f.needed}`;
    case "failed_share": {
      const t = f.thresholds;
      const limit = `${trimmed(f.limit * 100)} %`;
      const value = `new ${percent(f.candidate.failedShare, f.limit)} (${count(f.candidate.failed)} of ${count(f.candidate.requests)})`;
      const side = f.result === "breach" ? "above" : "within";
      if (!f.live) {
        return `${value}, no live share to compare with — ${side} the limit of ${limit} (the absolute limit alone): ${f.result}`;
      }
      const from = f.live.earlier ? ` in ${span(f.live.earlier)}, an earlier window` : "";
      return (
        `${value} vs live ${percent(f.live.failedShare)}${from} — ${side} the limit of ${limit} ` +
        `(live + ${trimmed(t.failedPoints)} pt, at least ${trimmed(t.failedMaxPercent)} %): ${f.result}`
      );
    }
    case "p95": {
      const t = f.thresholds;
      const from = f.earlier ? ` in ${span(f.earlier)}, an earlier window` : "";
      const side = f.result === "breach" ? "above" : "within";
      return (
        `new ${ms(f.candidateMs)} vs live ${ms(f.liveMs)}${from} — ${side} the limit of ${ms(f.limit)} ` +
        `(${trimmed(t.p95Ratio)} × live + ${trimmed(t.p95Ms)} ms): ${f.result}`
      );
    }
    case "no_candidate_latency":
      return "inconclusive: Azure reported no p95 latency for the new deployment in the window; the gate decides once it does";
    case "no_live_latency":
      return `inconclusive: new ${ms(f.candidateMs)}, but no live latency to compare with; the gate decides once Azure reports the live deployment's p95 over a window in which it took ${f.needed} requests`;
  }
}

/** "Failed requests: new 31.0 % (93 of 300) vs live 0.4 % — above the limit of 2 % (…): breach", as plain text. */
export const verdictLine = (v: GateVerdict): string => `${GATE_LABELS[v.gate]}: ${v.why}`;

/** The evidence section of a card: a summary line in a colour, and facts (each value Markdown). */
export interface EvidenceView {
  summary: Markdown;
  tone: "Good" | "Warning" | "Attention";
  facts: { title: string; value: Markdown }[];
  /** Absent when no minute has a figure to draw. */
  chart?: LineChart;
}

const TONES: Record<GateResult, EvidenceView["tone"]> = { pass: "Good", inconclusive: "Warning", breach: "Attention" };

/** The evidence as facts: the window, live against new, and each gate's verdict with its why; plus a chart. */
export function evidenceView(e: Evidence): EvidenceView {
  const live = `${e.live} (live)`;
  const candidate = `${e.candidate} (new)`;
  const { live: l, candidate: c } = e.figures;
  const facts: EvidenceView["facts"] = [{ title: "Window", value: windowFact(e) }];
  if (e.unavailable === undefined && e.window) {
    facts.push(
      { title: "Requests", value: msg`${candidate} ${count(c.requests)} · ${live} ${count(l.requests)}` },
      { title: "Failed share", value: msg`${e.candidate} ${shareText(c)} · ${e.live} ${shareText(l)}` },
      { title: "p50", value: msg`${e.candidate} ${latencyText(c.p50Ms)} · ${e.live} ${latencyText(l.p50Ms)}` },
      { title: "p95", value: msg`${e.candidate} ${latencyText(c.p95Ms)} · ${e.live} ${latencyText(l.p95Ms)}` },
    );
    const b = e.baseline;
    if (!b) {
      facts.push({
        title: "Compared with",
        value: msg`no live baseline: ${e.live} took ${count(l.requests)} requests in this window, too few to compare with, and no earlier window of it is known`,
      });
    } else if (b.earlier) {
      facts.push({
        title: "Compared with",
        value: msg`${e.live} in ${span(b.window)}, an earlier window (too little live traffic in this one): ${shareText(b.figures)} failed, p95 ${latencyText(b.figures.p95Ms)}`,
      });
    }
  }
  for (const v of e.gates) facts.push({ title: GATE_LABELS[v.gate], value: md(v.why) });
  const chart = evidenceChart(e);
  return { summary: summary(e), tone: TONES[e.result], facts, ...(chart ? { chart } : {}) };
}

function summary(e: Evidence): Markdown {
  const labels = (result: GateResult): string =>
    e.gates
      .filter((v) => v.result === result)
      .map((v) => GATE_LABELS[v.gate].toLowerCase())
      .join(" and ");
  switch (e.result) {
    case "pass": {
      const minutes = e.window?.minutes ?? 0;
      return msg`Gates pass: ${e.candidate} is within every limit over ${minutes} whole minute${minutes === 1 ? "" : "s"}.`;
    }
    case "breach":
      return msg`Gates breached by ${e.candidate}: ${labels("breach")}.`;
    case "inconclusive":
      return msg`Gates inconclusive for ${e.candidate} (${labels("inconclusive")}): not a pass.`;
  }
}

function windowFact(e: Evidence): Markdown {
  const w = e.window;
  if (!w) return msg`none yet: no whole minute has settled since the traffic changed`;
  const base = msg`${span(w)} · ${w.minutes} whole minute${w.minutes === 1 ? "" : "s"}`;
  const reported = e.figures.candidate.minutes;
  if (e.unavailable !== undefined || reported >= w.minutes) return base;
  return msg`${trusted(base)} · Azure reported ${reported} of them for ${e.candidate}`;
}

/** The evidence's chart for clients that draw Adaptive Card charts, with a TextBlock for those that do not. */
export interface LineChart {
  type: "Chart.Line";
  title: string;
  xAxisTitle: string;
  yAxisTitle: string;
  data: { legend: string; color: string; values: { x: number; y: number }[] }[];
  fallback: { type: "TextBlock"; text: Markdown; wrap: true; isSubtle: true };
}

export type ChartedFigure = "failed_share" | "p95";

/** Legends are plain text; Azure deployment names are at most 32 characters, anything longer is cut. */
const LEGEND_CHARS = 32;

/**
 * Per-minute failed share (or p95) of the new and the live deployment over the evidence's last minutes, with the
 * gate's limit as a line. By default the p95 when only that gate breached, else the failed share. Values are rounded
 * (0.01 %, 1 ms) and the minutes bounded by the evidence, so the chart stays a few KB of the card's 28 KB.
 */
export function evidenceChart(e: Evidence, figure: ChartedFigure = chartedFigure(e)): LineChart | undefined {
  const first = e.points[0];
  const last = e.points[e.points.length - 1];
  // A line needs two minutes: one point is a dot on an empty chart, and the facts say it already.
  if (!first || !last || first === last) return undefined;
  const start = first.at.getTime();
  const x = (p: MinutePoint): number => Math.round((p.at.getTime() - start) / 60_000);
  const y = (side: MinutePoint["live"]): number | undefined => {
    const v = figure === "p95" ? side?.p95Ms : side?.failedShare;
    if (v === undefined) return undefined;
    return figure === "p95" ? roundTo(v, v < 10 ? 1 : 0) : roundTo(v * 100, 2);
  };
  const series = (name: string, color: string, side: "live" | "candidate") => ({
    legend: `${name.slice(0, LEGEND_CHARS)} (${side === "live" ? "live" : "new"})`,
    color,
    values: e.points.flatMap((p) => {
      const v = y(p[side]);
      return v === undefined ? [] : [{ x: x(p), y: v }];
    }),
  });
  const data = [series(e.candidate, "categoricalBlue", "candidate"), series(e.live, "categoricalTeal", "live")].filter(
    (s) => s.values.length > 0,
  );
  if (data.length === 0) return undefined;
  const unit = figure === "p95" ? " ms" : " %";
  const what = figure === "p95" ? "p95 latency" : "Failed share";
  const ranges = data.map((s) => {
    const ys = s.values.map((v) => v.y);
    const top = s.values.reduce((a, b) => (b.y > a.y ? b : a));
    const at = timeOfDayText(new Date(start + top.x * 60_000));
    return `${s.legend} ${Math.min(...ys)}–${Math.max(...ys)}${unit} (highest ${at})`;
  });
  const verdict = e.gates.find((v) => v.gate === (figure === "p95" ? "p95_latency" : "failed_requests"));
  const limit = verdict?.limit === undefined ? undefined : y({ failedShare: verdict.limit, p95Ms: verdict.limit });
  if (limit !== undefined) {
    const ends = [...new Set([x(first), x(last)])];
    data.push({ legend: "limit", color: "attention", values: ends.map((at) => ({ x: at, y: limit })) });
    ranges.push(`limit ${limit}${unit}`);
  }
  const shown = { from: first.at, to: new Date(last.at.getTime() + 60_000) };
  return {
    type: "Chart.Line",
    title: `${what} per minute`,
    xAxisTitle: `minutes since ${timeOfDayText(first.at)}`,
    yAxisTitle: figure === "p95" ? "ms" : "%",
    data,
    fallback: {
      type: "TextBlock",
      text: msg`${what} per minute, ${span(shown)}: ${ranges.join(" · ")}`,
      wrap: true,
      isSubtle: true,
    },
  };
}

function chartedFigure(e: Evidence): ChartedFigure {
  const breached = new Set(e.gates.filter((v) => v.result === "breach").map((v) => v.gate));
  return breached.has("p95_latency") && !breached.has("failed_requests") ? "p95" : "failed_share";
}

/** The bake and gates that apply to an endpoint, as `plan <endpoint>` shows them, each saying where it came from. */
export function settingsFacts(s: EvidenceSettings): { title: string; value: Markdown }[] {
  const bake: { title: string; value: Markdown } = s.bake.ok
    ? {
        title: "Bake",
        value: msg`${bakeText(s.bake.seconds)} (${s.bake.from === "tag" ? `tag ${BAKE_TAG}` : "default"})`,
      }
    : { title: "Bake", value: msg`${BAKE_TAG} tag: ${s.bake.tag} (not valid)` };
  if (!s.gates.ok) return [bake, { title: "Gates", value: msg`${GATES_TAG} tag: ${s.gates.tag} (not valid)` }];
  const t = s.gates.thresholds;
  const tagged = s.gates.fromTag;
  const source = (names: GateSettingName[]): string => {
    const defaulted = names.filter((n) => !tagged.includes(n));
    if (defaulted.length === names.length) return "default";
    return defaulted.length === 0 ? `tag ${GATES_TAG}` : `tag ${GATES_TAG}; ${defaulted.join(", ")} default`;
  };
  return [
    bake,
    {
      title: GATE_LABELS.failed_requests,
      value: msg`new at most live + ${trimmed(t.failedPoints)} pt, or ${trimmed(t.failedMaxPercent)} % when that is higher (${source(["failed-points", "failed-max"])})`,
    },
    {
      title: GATE_LABELS.p95_latency,
      value: msg`new at most ${trimmed(t.p95Ratio)} × live + ${trimmed(t.p95Ms)} ms (${source(["p95-ratio", "p95-ms"])})`,
    },
    {
      title: "Evidence needed",
      value: msg`${t.minRequests} requests to the new deployment in the window before a gate passes or breaches (${source(["min-requests"])})`,
    },
  ];
}

/** "10 min", "1 h 30 min", "90 s" → "1 min 30 s", "none". */
export const bakeText = (seconds: number): string => (seconds <= 0 ? "none" : durationText(seconds * 1000));

/** "10:41–10:51 UTC", or with dates when the window is not within one day. */
export function span(w: Pick<GateWindow, "from" | "to">): string {
  const sameDay = w.from.toISOString().slice(0, 10) === new Date(w.to.getTime() - 1).toISOString().slice(0, 10);
  if (!sameDay) return `${minuteText(w.from).replace(/ UTC$/, "")} – ${minuteText(w.to)}`;
  return `${timeOfDayText(w.from).replace(/ UTC$/, "")}–${timeOfDayText(w.to)}`;
}

/** "31.0 %"; with two decimals when one would look the same as the limit it is held to. */
function percent(share: number, limit?: number): string {
  const near = limit !== undefined && Math.abs(share - limit) < 0.0005;
  return `${(share * 100).toFixed(near ? 2 : 1)} %`;
}

const shareText = (f: Figures): string =>
  f.failedShare === undefined ? "no requests" : `${percent(f.failedShare)} (${count(f.failed)})`;
/** Azure averages some counts over a minute; a person reads whole requests. */
const count = (n: number): number => Math.round(n);
const latencyText = (v: number | undefined): string => (v === undefined ? "not reported" : ms(v));
const ms = (v: number): string => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
/** A threshold as written: "2", "1.5", "0.25". */
const trimmed = (n: number): string => String(roundTo(n, 2));
const roundTo = (n: number, decimals: number): number => Number(n.toFixed(decimals));
