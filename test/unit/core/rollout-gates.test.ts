// The rollout engine with gates: each step bakes while the gates read Azure Monitor's settled minutes, a breach at any
// time the new deployment takes traffic restores the start with no click, and a mirror step sets and clears mirror
// traffic. Pure: what Azure Monitor said is passed in.
import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "../../../src/core/evidence/gate-settings.js";
import { approve, endBake, requestRollout, rolloutGates } from "../../../src/core/rollout/events.js";
import { gateWindow } from "../../../src/core/evidence/window.js";
import { parsePlan } from "../../../src/core/rollout/plan.js";
import { reconcile, type Decision, type Observed, type ReconcileContext } from "../../../src/core/rollout/reconcile.js";
import { rolloutCardView, stateLine } from "../../../src/core/rollout/rollout-card.js";
import { end, type Transition } from "../../../src/core/rollout/transition.js";
import type { RequestMetrics, RequestMinute } from "../../../src/ports/metrics.js";
import type { Person } from "../../../src/ports/people.js";
import type { Rollout } from "../../../src/ports/rollouts.js";
import type { EndpointView } from "../../../src/ports/workspace.js";
import { ok } from "../../../src/ports/result.js";
import { aReconcileContext, aRollout as aRolloutOf } from "../../support/a-rollout.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";

const T0 = new Date("2026-11-29T10:00:20Z");
const MINUTE = 60_000;
const ALEX: Person = { id: "user-alexw", name: "Alex Wilber", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01" };
const MEGAN: Person = { id: "user-meganb", name: "Megan Bowen", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02" };
const ADELE: Person = { id: "user-adelev", name: "Adele Vance", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03" };
const GATES = { bakeMs: 10 * MINUTE, thresholds: DEFAULT_THRESHOLDS };
const DELAY = 2 * MINUTE;

const ctx = (now: Date): ReconcileContext => ({
  ...aReconcileContext(now, {
    approvers: [{ id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02", name: "Megan Bowen" }],
    admins: [{ id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03", name: "Adele Vance" }],
  }),
  metricsDelayMs: DELAY,
});
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * MINUTE);

const aRollout = (overrides: Partial<Rollout> = {}): Rollout =>
  aRolloutOf({ requestedBy: ALEX, requesterConversationId: "personal-alex", gates: GATES, ...overrides });

/** Step 1 (blue 90 / green 10) applied at T0 and baking for 10 minutes. */
const bakingStep1 = (overrides: Partial<Rollout> = {}): Rollout =>
  aRollout({ phase: "baking", step: 0, appliedAt: T0, bakeUntil: at(10), version: 6, ...overrides });

/** `n` minutes of each deployment from the window's start: requests and failures per minute, p95 in ms. */
function minutes(
  from: Date,
  n: number,
  per: Record<string, { requests: number; failed: number; p95Ms?: number }>,
): RequestMetrics {
  const out: RequestMetrics = {};
  for (const [deployment, m] of Object.entries(per)) {
    out[deployment] = Array.from({ length: n }, (_, i): RequestMinute => ({
      at: new Date(Math.ceil(from.getTime() / MINUTE) * MINUTE + i * MINUTE),
      requests: m.requests,
      failed: m.failed,
      ...(m.p95Ms === undefined ? {} : { p95Ms: m.p95Ms, p50Ms: m.p95Ms / 2 }),
    }));
  }
  return out;
}

/** What the worker reads at `now`: the traffic, and Azure Monitor's figures for the gates' window. */
function seenAt(
  r: Rollout,
  now: Date,
  metrics: RequestMetrics | { unavailable: string },
  traffic: Record<string, number> = { blue: 90, green: 10 },
): Observed {
  const window = gateWindow(r.appliedAt ?? T0, now, DELAY);
  if (!window) return { traffic, mirror: {} };
  const unavailable = (metrics as { unavailable?: unknown }).unavailable;
  const reading =
    typeof unavailable === "string" ? { window, unavailable } : { window, metrics: metrics as RequestMetrics };
  return { traffic, mirror: {}, metrics: reading };
}

const HEALTHY = { blue: { requests: 540, failed: 1, p95Ms: 40 }, green: { requests: 60, failed: 0, p95Ms: 42 } };
const FAILING = { blue: { requests: 540, failed: 1, p95Ms: 40 }, green: { requests: 60, failed: 18, p95Ms: 45 } };

const transitionOf = (d: Decision): Transition => {
  if (d.kind !== "transition") throw new Error(`expected a transition, got ${JSON.stringify(d)}`);
  return d.transition;
};

describe("a step bakes while the gates watch", () => {
  it("bakes for the endpoint's bake time once a step's traffic is applied, and looks again when the next minute is readable", () => {
    const r = aRollout({ phase: "shifting", step: 0, version: 5 });
    const t = transitionOf(reconcile(r, { traffic: { blue: 90, green: 10 }, mirror: {} }, ctx(T0)));
    expect(t.next).toMatchObject({ phase: "baking", step: 0, appliedAt: T0, bakeUntil: at(10) });
    // Applied at 10:00:20: the first whole minute (10:01–10:02) is readable at 10:02 + 2 min delay.
    expect(t.next.nextRunAt).toEqual(new Date("2026-11-29T10:04:00.050Z"));
    expect(t.next.timeline.at(-1)?.what).toBe("traffic is blue 90 / green 10; baking until 10:10 UTC");
  });

  it("reads nothing before a whole minute has settled, and waits", () => {
    const r = bakingStep1();
    const d = reconcile(r, seenAt(r, at(1), minutes(T0, 0, {})), ctx(at(1)));
    expect(d).toEqual({ kind: "wait", until: new Date("2026-11-29T10:04:00.050Z") });
  });

  it("puts a first reading on the card, and then waits quietly while the verdicts stay the same", () => {
    const r = bakingStep1();
    const now = at(5);
    const first = transitionOf(reconcile(r, seenAt(r, now, minutes(T0, 2, HEALTHY)), ctx(now)));
    expect(first.next.phase).toBe("baking");
    expect(first.next.evidence?.result).toBe("pass");
    expect(first.audit[0]).toMatchObject({ action: "rollout.gates", outcome: "pass" });
    expect(first.outbox.map((m) => m.kind)).toEqual(["update_card"]);
    // The gates look again at the next readable minute, not only when the bake ends.
    expect(first.next.nextRunAt).toEqual(new Date("2026-11-29T10:06:00.050Z"));
    const again = reconcile(first.next, seenAt(r, at(6), minutes(T0, 3, HEALTHY)), ctx(at(6)));
    expect(again.kind).toBe("wait");
  });

  it("asks for the next step with the evidence when the bake ends", () => {
    const r = bakingStep1();
    const now = at(10);
    const t = transitionOf(reconcile(r, seenAt(r, now, minutes(T0, 7, HEALTHY)), ctx(now)));
    expect(t.next).toMatchObject({ phase: "awaiting_approval", step: 1 });
    expect(t.next.bakeUntil).toBeUndefined();
    expect(t.next.evidence).toMatchObject({ result: "pass", window: { minutes: 7 } });
    expect(t.next.evidence?.figures.candidate).toMatchObject({ requests: 420, failed: 0 });
    // The live figures of this window are kept: the last step's baseline, when blue takes nothing.
    expect(t.next.liveBaseline?.figures).toMatchObject({ requests: 3780, failed: 7 });
    expect(t.outbox.find((m) => m.kind === "reply_in_thread")).toMatchObject({
      text: expect.stringContaining("needs your approval. The gates on the last step: passed") as string,
    });
    // While the approver decides, the gates keep watching: the worker comes back at the next readable minute.
    expect(t.next.nextRunAt).toEqual(new Date("2026-11-29T10:11:00.050Z"));
    const view = rolloutCardView(t.next);
    expect(view.evidence?.summary).toContain("Gates pass");
    expect(view.evidence?.facts.map((f) => f.title)).toEqual(
      expect.arrayContaining(["Window", "Requests", "Failed share", "p50", "p95"]),
    );
  });

  it("pauses a bake when someone changed the traffic outside GreenLight: the gates would judge someone else's split", () => {
    const r = bakingStep1();
    const t = transitionOf(
      reconcile(r, seenAt(r, at(4), minutes(T0, 2, HEALTHY), { blue: 70, green: 30 }), ctx(at(4))),
    );
    expect(t.next.phase).toBe("paused");
    expect(t.next.ending?.reason).toContain("The endpoint's traffic is blue 70 / green 30, not blue 90 / green 10");
  });

  it("asks for the next step with the gates inconclusive when the bake ended before any minute settled", () => {
    const r = bakingStep1({ bakeUntil: at(2) });
    const t = transitionOf(reconcile(r, seenAt(r, at(2), minutes(T0, 0, {})), ctx(at(2))));
    expect(t.next).toMatchObject({ phase: "awaiting_approval", step: 1, evidence: { result: "inconclusive" } });
    expect(rolloutCardView(t.next).evidence?.facts[0]?.value).toContain("no whole minute has settled");
  });

  it("refuses an approval clicked during the bake, saying how long is left, and changes nothing", () => {
    const r = bakingStep1();
    const refused = approve(r, { rollout: r.id, step: 0, version: r.version }, MEGAN, ctx(at(3)));
    expect(refused).toEqual({
      ok: false,
      error: { code: "still_baking", endpoint: "diabetes-prod", until: at(10), leftMs: 7 * MINUTE },
    });
  });

  it("lets an admin end a bake early with a reason (audited); the next approval is then asked for", () => {
    const r = bakingStep1();
    const cut = endBake(r, { rollout: r.id, step: 0, version: r.version }, ADELE, "incident bridge agreed", ctx(at(4)));
    if (!cut.ok) throw new Error(JSON.stringify(cut.error));
    expect(cut.value.next).toMatchObject({
      bakeUntil: at(4),
      bakeCut: { by: ADELE, reason: "incident bridge agreed" },
    });
    expect(cut.value.audit[0]).toMatchObject({ action: "rollout.end_bake", actor: ADELE });
    const asked = transitionOf(reconcile(cut.value.next, seenAt(r, at(4), minutes(T0, 1, HEALTHY)), ctx(at(4))));
    expect(asked.next).toMatchObject({ phase: "awaiting_approval", step: 1 });
    expect(asked.next.timeline.at(-1)?.what).toContain("bake ended early by Adele Vance");
  });

  it("never passes on metrics it could not read: the approval is asked for with the gates inconclusive and why", () => {
    const r = bakingStep1();
    const now = at(10);
    const reason = "Azure Monitor answered HTTP 403 AuthorizationFailed";
    const t = transitionOf(reconcile(r, seenAt(r, now, { unavailable: reason }), ctx(now)));
    expect(t.next.evidence).toMatchObject({ result: "inconclusive", unavailable: reason });
    expect(rolloutCardView(t.next).evidence?.summary).toContain("inconclusive");
  });
});

describe("a breach restores the start with no click", () => {
  it("during a bake: starting traffic back at once, the card naming the gate, both figures and the window", () => {
    const r = bakingStep1();
    const now = at(4);
    const t = transitionOf(reconcile(r, seenAt(r, now, minutes(T0, 2, FAILING)), ctx(now)));
    expect(t.next).toMatchObject({
      phase: "restoring",
      ending: { then: "rolled_back", automatic: true },
      nextRunAt: now,
      evidence: { result: "breach" },
    });
    expect(t.next.ending?.reason).toBe(
      "GreenLight rolled it back automatically: the failed-request gate breached in 10:01–10:02 UTC. Failed " +
        "requests: new 30.0 % (18 of 60) vs live 0.2 % — above the limit of 2 % (live + 1 pt, at least 2 %): breach.",
    );
    expect(t.audit[0]).toMatchObject({
      action: "rollout.auto_rollback",
      outcome: "breach",
      actor: { name: "GreenLight" },
    });
    // The approvers (in the thread) and the requester (personally) are told once, here.
    const kinds = t.outbox.map((m) => m.kind);
    expect(kinds).toEqual(["update_card", "reply_in_thread", "personal_message"]);
    const view = rolloutCardView(t.next);
    expect(view.evidence?.summary).toContain("breached");
    expect(unescapeMarkdown(view.evidence?.facts.find((f) => f.title === "Failed share")?.value ?? "")).toMatch(
      /green 30\.0 % \(18\) · blue 0\.2 %/,
    );
    // The restore puts the start back and clears any mirror.
    expect(reconcile(t.next, { traffic: { blue: 90, green: 10 }, mirror: {} }, ctx(now))).toEqual({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 100 }, mirror: {} },
    });
    // When it ends, the channels hear of it; the requester is not told a second time.
    const ended = end(
      t.next,
      "rolled_back",
      { what: "starting traffic restored", action: "rollout.rollback" },
      ctx(now),
    );
    expect(ended.outbox.map((m) => m.kind)).toEqual(["update_card", "post_notice"]);
  });

  it("while waiting for the next approval", () => {
    const r = aRollout({ phase: "awaiting_approval", step: 1, appliedAt: T0, expiresAt: at(60 * 24), version: 9 });
    const now = at(20);
    const t = transitionOf(reconcile(r, seenAt(r, now, minutes(T0, 17, FAILING)), ctx(now)));
    expect(t.next).toMatchObject({ phase: "restoring", ending: { automatic: true, then: "rolled_back" } });
  });

  it("at 100 % before the old deployment's fate, against the live deployment's last window with traffic", () => {
    const earlier = { from: at(-30), to: at(-20), minutes: 10 };
    const r = aRollout({
      phase: "promoted",
      step: 2,
      appliedAt: T0,
      expiresAt: at(60 * 24),
      liveBaseline: {
        window: earlier,
        figures: { requests: 5400, failed: 5, failedShare: 5 / 5400, p95Ms: 40, minutes: 10 },
      },
    });
    const now = at(6);
    const all = minutes(T0, 3, { green: { requests: 600, failed: 60, p95Ms: 41 } });
    const t = transitionOf(reconcile(r, seenAt(r, now, all, { green: 100 }), ctx(now)));
    expect(t.next.phase).toBe("restoring");
    expect(t.next.evidence?.baseline).toMatchObject({ earlier: true });
  });

  it("is not judged on too few requests: inconclusive, never a breach and never a pass", () => {
    const r = bakingStep1();
    const now = at(4);
    const few = { blue: { requests: 90, failed: 0, p95Ms: 40 }, green: { requests: 10, failed: 5, p95Ms: 40 } };
    const t = transitionOf(reconcile(r, seenAt(r, now, minutes(T0, 2, few)), ctx(now)));
    expect(t.next.phase).toBe("baking");
    expect(t.next.evidence?.result).toBe("inconclusive");
  });
});

describe("a mirror step", () => {
  it("reads `mirror N` as the plan's first step, at most 50 %", () => {
    expect(parsePlan("mirror 20, 10, 90, 100")).toEqual({ ok: true, plan: [{ mirror: 20 }, 10, 90, 100] });
    expect(parsePlan("mirror 60, 100")).toMatchObject({ ok: false });
    expect(parsePlan("10, mirror 20, 100")).toMatchObject({ ok: false });
  });

  const mirrored = (overrides: Partial<Rollout> = {}) =>
    aRollout({ plan: [{ mirror: 20 }, 10, 100], version: 5, ...overrides });

  it("sets the endpoint's mirror traffic with the live traffic where it is, then the next step moves to live and clears it", () => {
    const shifting = mirrored({ phase: "shifting", step: 0 });
    expect(reconcile(shifting, { traffic: { blue: 100 }, mirror: {} }, ctx(T0))).toEqual({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 100 }, mirror: { green: 20 } },
    });
    const baked = transitionOf(reconcile(shifting, { traffic: { blue: 100 }, mirror: { green: 20 } }, ctx(T0)));
    expect(baked.next).toMatchObject({ phase: "baking", appliedAt: T0 });
    expect(stateLine(baked.next)).toContain("mirror 20 % to green (blue 100)");
    const next = mirrored({ phase: "shifting", step: 1 });
    expect(reconcile(next, { traffic: { blue: 100 }, mirror: { green: 20 } }, ctx(T0))).toEqual({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 90, green: 10 }, mirror: {} },
    });
  });

  it("pauses when someone changed the mirror outside GreenLight", () => {
    const next = mirrored({ phase: "shifting", step: 1 });
    const t = transitionOf(reconcile(next, { traffic: { blue: 100 }, mirror: { green: 40 } }, ctx(T0)));
    expect(t.next.phase).toBe("paused");
    expect(t.next.ending?.reason).toContain("blue 100, mirror green 40");
  });

  it("is refused on an endpoint that already mirrors traffic, and a bad gates tag refuses the rollout", () => {
    const endpoint: EndpointView = {
      name: "diabetes-prod",
      state: "Succeeded",
      authMode: "Key",
      computeType: "Managed",
      traffic: { blue: 100 },
      mirrorTraffic: { red: 10 },
      tags: {},
      deployments: [
        {
          name: "blue",
          state: "Succeeded",
          model: { name: "diabetes", version: "1" },
          instanceType: "Standard_DS3_v2",
          scale: { kind: "fixed", count: 1 },
        },
      ],
    };
    const request = {
      id: "0f0e0d0c-0000-4000-8000-000000000009",
      requester: { person: ALEX },
      endpoint,
      model: ok({ model: "diabetes", version: "2" }),
      channel: { serviceUrl: "https://smba.example/", channelId: "19:release" },
      gateDefaults: { bakeMs: 600_000, minRequests: 50 },
    };
    const refused = requestRollout(request, ctx(T0));
    expect(refused.ok || refused.error).toMatchObject({
      code: "cannot_deploy",
      problem: expect.stringContaining("red (10 %)") as string,
    });
    const badTag = requestRollout(
      { ...request, endpoint: { ...endpoint, mirrorTraffic: {}, tags: { "greenlight-gates": "failed-max=lots" } } },
      ctx(T0),
    );
    expect(badTag.ok || badTag.error).toMatchObject({ problem: expect.stringContaining("greenlight-gates") as string });
    const started = requestRollout(
      { ...request, endpoint: { ...endpoint, mirrorTraffic: {}, tags: { "greenlight-bake": "90s" } } },
      ctx(T0),
    );
    expect(started.ok && started.value.next.gates).toEqual({ bakeMs: 90_000, thresholds: DEFAULT_THRESHOLDS });
  });

  it("takes GATE_MIN_REQUESTS where the gates tag does not set min-requests", () => {
    expect(rolloutGates({}, { bakeMs: 600_000, minRequests: 200 })).toMatchObject({
      ok: true,
      gates: { thresholds: { minRequests: 200 } },
    });
    expect(
      rolloutGates({ "greenlight-gates": "min-requests=20" }, { bakeMs: 600_000, minRequests: 200 }),
    ).toMatchObject({
      ok: true,
      gates: { thresholds: { minRequests: 20 } },
    });
  });
});
