import type { Evidence } from "../../ports/evidence.js";
import type { Rollout } from "../../ports/rollouts.js";
import { msg } from "../views/markdown.js";
import { durationText } from "../views/time.js";
import { nextBaseline } from "../evidence/judge.js";
import { GATE_NOUNS, span, verdictLine } from "../evidence/evidence-view.js";
import { judgeReading, nextGateCheck, verdictsChanged, watched } from "./gate-reading.js";
import { afterBake, earliest } from "./next-approval.js";
import { to, wait, type Decision, type Observed, type ReconcileContext } from "./observed.js";
import { describeTraffic } from "./plan.js";
import { restore, transition, type Transition } from "./transition.js";

/**
 * A step bakes: the gates read each minute as it becomes readable. A breach rolls back at once; when the bake ends the
 * next approval is asked for with the evidence; a verdict that changed meanwhile is put on the card.
 */
export function baking(r: Rollout, seen: Observed, ctx: ReconcileContext): Decision {
  const reading = readingOf(r, seen);
  if (reading?.result === "breach") return to(breached(r, reading, ctx));
  const bakeUntil = r.bakeUntil ?? ctx.now;
  if (ctx.now >= bakeUntil) {
    // Never silent: with no settled minute yet the approver reads that the gates could not decide.
    const evidence = reading ?? r.evidence ?? (watched(r) ? judgeReading(r) : undefined);
    const baked = r.bakeCut
      ? `bake ended early by ${r.bakeCut.by.name}`
      : `baked ${durationText(r.gates?.bakeMs ?? 0)}`;
    return to(afterBake(r, `${baked}; ${gatesLine(evidence)}`, ctx, evidenceSet(evidence)));
  }
  const next = earliest(bakeUntil, nextGateCheck(ctx.now, ctx.metricsDelayMs, r.appliedAt ?? ctx.now));
  if (reading && verdictsChanged(r.evidence, reading)) return to(noted(r, reading, ctx, next));
  return wait(next);
}

/**
 * While a person decides on the next step (or on the old deployment), the gates keep watching what the new deployment
 * takes now: a breach rolls back without waiting for them.
 */
export function watching(r: Rollout, seen: Observed, ctx: ReconcileContext): Decision {
  if (!watched(r)) return wait(r.expiresAt);
  const reading = readingOf(r, seen);
  if (reading?.result === "breach") return to(breached(r, reading, ctx));
  const next = r.expiresAt
    ? earliest(r.expiresAt, nextGateCheck(ctx.now, ctx.metricsDelayMs, r.appliedAt ?? ctx.now))
    : undefined;
  if (reading && verdictsChanged(r.evidence, reading)) return to(noted(r, reading, ctx, next));
  return wait(next ?? nextGateCheck(ctx.now, ctx.metricsDelayMs, r.appliedAt ?? ctx.now));
}

/** The gates' reading of what the worker read, when the rollout is watched and a whole settled minute was read. */
function readingOf(r: Rollout, seen: Observed): Evidence | undefined {
  if (!watched(r) || !seen.metrics) return undefined;
  return judgeReading(r, seen.metrics);
}

/** The fields a reading sets: the evidence, and the live deployment's figures as the baseline for when it has none. */
function evidenceSet(evidence: Evidence | undefined): Partial<Rollout> {
  if (!evidence) return {};
  const baseline = nextBaseline(evidence);
  return { evidence, ...(baseline ? { liveBaseline: baseline } : {}) };
}

/** A gate's verdict changed: the card shows the new reading (no one is asked anything). */
function noted(r: Rollout, evidence: Evidence, ctx: ReconcileContext, nextRunAt: Date | undefined): Transition {
  return transition(
    r,
    {
      set: { ...evidenceSet(evidence), ...(nextRunAt ? { nextRunAt } : {}) },
      what: gatesLine(evidence),
      action: "rollout.gates",
      outcome: evidence.result,
    },
    ctx,
  );
}

/**
 * A gate breached: GreenLight puts the starting traffic back (and clears the mirror) at once, without an approval,
 * and tells the approvers and the requester once; the rollout then ends rolled back.
 */
export function breached(r: Rollout, evidence: Evidence, ctx: ReconcileContext): Transition {
  const breaches = evidence.gates.filter((v) => v.result === "breach");
  const names = breaches.map((v) => GATE_NOUNS[v.gate]).join(" and ");
  const why = breaches.map((v) => `${verdictLine(v)}.`).join(" ");
  const window = evidence.window ? span(evidence.window) : "the last minutes";
  const model = `${r.model.name}:${r.model.version}`;
  const told = msg`GreenLight rolled back ${model} on ${r.endpoint} automatically: the ${names} gate breached (${window}). ${why} The starting traffic (${describeTraffic(r.startTraffic)}) is being put back.`;
  return restore(
    r,
    "rolled_back",
    {
      what: `the ${names} gate breached (${window}); putting the starting traffic back`,
      action: "rollout.auto_rollback",
      outcome: "breach",
      reason: `GreenLight rolled it back automatically: the ${names} gate breached in ${window}. ${why}`,
      automatic: true,
      ask: { who: "approvers", text: told, all: true },
      tellRequester: told,
    },
    ctx,
    evidenceSet(evidence),
  );
}

/** "gates: pass" / "gates: failed-request breach, p95 latency inconclusive". */
function gatesLine(evidence: Evidence | undefined): string {
  if (!evidence) return "gates: no reading yet";
  if (evidence.unavailable) return `gates: inconclusive (${evidence.unavailable})`;
  return `gates: ${evidence.gates.map((v) => `${GATE_NOUNS[v.gate]} ${v.result}`).join(", ")}`;
}
