import type { Notice } from "../../ports/notifier.js";
import type { Rollout, RolloutPhase } from "../../ports/rollouts.js";
import { escapeMarkdown as md } from "../views/markdown.js";
import { describeTraffic, trafficAfter, trafficBefore } from "./plan.js";
import { smokeView, type SmokeView } from "./smoke-test-view.js";

/** The data of `cards/rollout.card.json`. Buttons carry the rollout, its step and version: a click is bound to them. */
export interface RolloutCardView {
  title: string;
  phase: string;
  /** Good / Attention / Warning / Default: the phase line's colour. */
  tone: string;
  facts: { title: string; value: string }[];
  smoke: SmokeView["smoke"];
  smokeSummary: string;
  smokeRule: string;
  timeline: { at: string; text: string }[];
  ending: string;
  actions: {
    approve?: { title: string };
    reject?: boolean;
    override?: boolean;
    retire?: { title: string };
    keep?: { title: string };
  };
  data: { rollout: string; step: number; version: number };
}

const PHASE_TEXT: Record<RolloutPhase, string> = {
  requested: "Requested: preparing the new deployment",
  deploying: "Deploying the new version (0 % traffic)",
  smoke_testing: "Smoke test running",
  awaiting_approval: "Waiting for approval",
  shifting: "Shifting traffic",
  promoted: "All traffic on the new version",
  retiring: "Retiring the old deployment",
  restoring: "Restoring the starting traffic",
  completed: "Completed",
  rejected: "Rejected: starting traffic restored",
  failed: "Failed",
  expired: "Expired: starting traffic restored",
  rolled_back: "Rolled back: starting traffic restored",
  paused: "Paused",
};

const TONE: Partial<Record<RolloutPhase, string>> = {
  completed: "Good",
  promoted: "Good",
  failed: "Attention",
  paused: "Warning",
  rejected: "Warning",
  expired: "Warning",
  rolled_back: "Warning",
  awaiting_approval: "Accent",
};

/** The rollout card as everyone in the channel sees it (the server checks every click again). */
export function rolloutCardView(r: Rollout): RolloutCardView {
  const stepCount = r.plan.length;
  const waiting = r.phase === "awaiting_approval";
  const smokeFailed = r.smoke !== undefined && !r.smoke.passed;
  const target = describeTraffic(trafficAfter(r, r.step));
  const facts = [
    { title: "Endpoint", value: md(r.endpoint) },
    { title: "New version", value: `${md(`${r.model.name}:${r.model.version}`)} in ${md(r.candidate)}` },
    { title: "Live deployment", value: md(r.live) },
    { title: "Requested by", value: md(r.requestedBy.name) },
    { title: "Traffic now", value: md(describeTraffic(currentTraffic(r))) },
    {
      title: "Plan",
      value: r.plan.map((_, i) => md(describeTraffic(trafficAfter(r, i)))).join(" → "),
    },
  ];
  if (waiting || r.phase === "shifting") {
    facts.push({ title: `Step ${r.step + 1} of ${stepCount}`, value: md(target) });
  }
  if (r.expiresAt && (waiting || r.phase === "promoted")) {
    facts.push({ title: "Expires", value: timeText(r.expiresAt) });
  }
  if (r.override) {
    facts.push({ title: "Smoke test overridden by", value: `${md(r.override.by.name)}: ${md(r.override.reason)}` });
  }
  return {
    title: `Rollout of ${md(`${r.model.name}:${r.model.version}`)} to ${md(r.endpoint)}`,
    phase: PHASE_TEXT[r.phase] + (waiting ? ` (step ${r.step + 1} of ${stepCount}: ${md(target)})` : ""),
    tone: TONE[r.phase] ?? "Default",
    facts,
    ...smokeView(r),
    timeline: r.timeline.slice(-12).map((e) => ({
      at: clockText(e.at),
      text: `${md(e.what)}${e.by ? ` · ${md(e.by.name)}` : ""}`,
    })),
    ending: r.ending ? `${md(r.ending.reason)}${r.ending.detail ? `\n\n${md(r.ending.detail)}` : ""}` : "",
    actions: {
      ...(waiting && !(smokeFailed && r.step === 0 && !r.override)
        ? { approve: { title: `Approve step ${r.step + 1}` } }
        : {}),
      ...(waiting ? { reject: true } : {}),
      ...(waiting && smokeFailed && r.step === 0 && !r.override ? { override: true } : {}),
      ...(r.phase === "promoted"
        ? { retire: { title: `Retire ${md(r.live)}` }, keep: { title: `Keep ${md(r.live)}` } }
        : {}),
    },
    data: { rollout: r.id, step: r.step, version: r.version },
  };
}

export function rolloutNotice(r: Rollout): Notice {
  return { kind: "card", card: "rollout", data: rolloutCardView(r) };
}

/** The traffic the rollout has set (or found) at this point. */
export function currentTraffic(r: Rollout): Record<string, number> {
  switch (r.phase) {
    case "requested":
    case "deploying":
    case "smoke_testing":
    case "rejected":
    case "expired":
    case "rolled_back":
      return r.startTraffic;
    case "awaiting_approval":
    case "shifting":
      return trafficBefore(r, r.step);
    case "promoted":
    case "retiring":
    case "completed":
      return trafficAfter(r, r.plan.length - 1);
    case "restoring":
    case "failed":
    case "paused":
      return trafficBefore(r, r.step);
  }
}

const timeText = (d: Date): string => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;
/** "11-29 20:40" for the timeline: its lines are close together, and the card says UTC where it gives a date. */
const clockText = (d: Date): string => d.toISOString().slice(5, 16).replace("T", " ");
