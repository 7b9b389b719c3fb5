// The rollout engine without I/O: every transition, failure and stale path, decided from the stored rollout and what
// Azure says, as the worker and the card buttons use it.
import { describe, expect, it } from "vitest";
import type { Person } from "../../../src/ports/people.js";
import type { Rollout, SmokeSample } from "../../../src/ports/rollouts.js";
import {
  approve,
  overrideSmokeTest,
  reject,
  retire,
  rollBack,
  type CardTarget,
} from "../../../src/core/rollout/events.js";
import { parsePlan, trafficAfter } from "../../../src/core/rollout/plan.js";
import {
  actionFailed,
  observationFor,
  observedAfter,
  reconcile,
  smokeTested,
  type Decision,
  type Observed,
  type ReconcileContext,
} from "../../../src/core/rollout/reconcile.js";
import { chooseSlots } from "../../../src/core/rollout/slots.js";
import { waitingForPerson } from "../../../src/core/rollout/waiting.js";
import type { Transition } from "../../../src/core/rollout/transition.js";
import type { RolloutCardView } from "../../../src/core/rollout/rollout-card.js";
import type { EndpointView } from "../../../src/ports/workspace.js";
import { aReconcileContext, aRollout as aRolloutOf } from "../../support/a-rollout.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";

const T0 = new Date("2026-11-29T10:00:00Z");
const ALEX: Person = { id: "user-alexw", name: "Alex Wilber", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01" };
const MEGAN: Person = { id: "user-meganb", name: "Megan Bowen", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02" };
const ADELE: Person = {
  id: "user-adelev",
  name: "Adele Vance",
  aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03",
  upn: "adelev@greenlight.example",
};
const DAY = 24 * 60 * 60 * 1000;

const ctx = (now = T0): ReconcileContext =>
  aReconcileContext(now, {
    approvers: [
      { id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02", name: "Megan Bowen" },
      { id: "pattif@greenlight.example", name: "Patti Fernandez" },
    ],
    admins: [{ id: "adelev@greenlight.example", name: "Adele Vance" }],
  });

const aRollout = (overrides: Partial<Rollout> = {}): Rollout =>
  aRolloutOf({ requestedBy: ALEX, requesterConversationId: "personal-alex", ...overrides });

const seen = (overrides: Partial<Observed> = {}): Observed => ({
  traffic: { blue: 100 },
  candidate: { state: "Succeeded", model: { name: "diabetes", version: "2" } },
  liveExists: true,
  ...overrides,
});

const target = (r: Rollout): CardTarget => ({ rollout: r.id, step: r.step, version: r.version });

/** The versions the card updates of a transition show: one per change, the version the change made. */
function cardVersions(t: Transition): number[] {
  return t.outbox.flatMap((m) =>
    m.kind === "update_card" && m.notice.kind === "card" ? [(m.notice.data as RolloutCardView).data.version] : [],
  );
}

function transitionOf(decision: Decision): Transition {
  if (decision.kind !== "transition") throw new Error(`expected a transition, got ${JSON.stringify(decision)}`);
  return decision.transition;
}

function ok<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

const samples = (passed: boolean): SmokeSample[] => [
  {
    sample: "typical-patient",
    candidate: { status: 200, latencyMs: 12 },
    live: { status: 200, latencyMs: 10 },
    passed: true,
    differs: false,
  },
  {
    sample: "many-pregnancies",
    candidate: { status: passed ? 200 : 424, latencyMs: 9 },
    live: { status: 200, latencyMs: 8 },
    passed,
    differs: false,
  },
];

describe("choosing the slot and the plan", () => {
  const endpoint = (traffic: Record<string, number>): EndpointView => ({
    name: "diabetes-prod",
    state: "Succeeded",
    authMode: "Key",
    computeType: "Managed",
    traffic,
    mirrorTraffic: {},
    tags: {},
    deployments: [],
  });

  it("puts the new version in green beside a live blue, and in blue beside a live green", () => {
    expect(chooseSlots(endpoint({ blue: 100 }))).toEqual({ ok: true, live: "blue", candidate: "green" });
    expect(chooseSlots(endpoint({ green: 100, blue: 0 }))).toEqual({ ok: true, live: "green", candidate: "blue" });
    expect(chooseSlots(endpoint({ "prod-v1": 100 }))).toEqual({ ok: true, live: "prod-v1", candidate: "green" });
  });

  it("refuses to start from a split or from no traffic", () => {
    expect(chooseSlots(endpoint({ blue: 90, green: 10 }))).toMatchObject({
      ok: false,
      problem: expect.stringContaining("split") as string,
    });
    expect(chooseSlots(endpoint({}))).toMatchObject({ ok: false });
  });

  it("reads a plan from the endpoint's tag, and refuses one that does not end at 100", () => {
    expect(parsePlan(undefined)).toEqual({ ok: true, plan: [10, 90, 100] });
    expect(parsePlan("25,50,100")).toEqual({ ok: true, plan: [25, 50, 100] });
    expect(parsePlan("90/10, 0/100")).toEqual({ ok: true, plan: [10, 100] });
    expect(parsePlan("10,90")).toMatchObject({ ok: false });
    expect(parsePlan("50,10,100")).toMatchObject({ ok: false });
    expect(trafficAfter(aRollout(), 0)).toEqual({ blue: 90, green: 10 });
    expect(trafficAfter(aRollout(), 2)).toEqual({ green: 100 });
  });
});

describe("deploying", () => {
  it("creates the candidate when it is missing, and moves on once Azure has it", () => {
    const r = aRollout();
    expect(reconcile(r, seen({ candidate: "missing" }), ctx())).toEqual({ kind: "act", action: { kind: "clone" } });
    const t = transitionOf(
      reconcile(r, seen({ candidate: { state: "Creating", model: { name: "diabetes", version: "2" } } }), ctx()),
    );
    expect(t.next).toMatchObject({ phase: "deploying", version: 2 });
  });

  it("needs the deployments to create the candidate, and throws rather than guess without them", () => {
    expect(observationFor("requested")).toBe("deployments");
    expect(observationFor("deploying")).toBe("deployments");
    expect(() => reconcile(aRollout(), { traffic: { blue: 100 } }, ctx())).toThrow(/were not read/);
  });

  it("replaces an idle deployment of another model in the slot, and never one that takes traffic", () => {
    const other = { state: "Succeeded", model: { name: "diabetes", version: "1" } };
    expect(reconcile(aRollout(), seen({ candidate: other }), ctx())).toEqual({
      kind: "act",
      action: { kind: "delete_candidate" },
    });
    const t = transitionOf(reconcile(aRollout(), seen({ candidate: other, traffic: { blue: 50, green: 50 } }), ctx()));
    expect(t.next.phase).toBe("failed");
  });

  it("waits while Azure provisions, then starts the smoke test", () => {
    const r = aRollout({ phase: "deploying" });
    const creating = seen({ candidate: { state: "Creating", model: { name: "diabetes", version: "2" } } });
    expect(reconcile(r, creating, ctx())).toEqual({ kind: "wait", until: new Date(T0.getTime() + 1000) });
    expect(transitionOf(reconcile(r, seen(), ctx())).next).toMatchObject({ phase: "smoke_testing", nextRunAt: T0 });
    expect(reconcile({ ...r, phase: "smoke_testing" }, seen(), ctx())).toEqual({
      kind: "act",
      action: { kind: "smoke_test" },
    });
  });

  it("fails a provisioning failure with the log tail, without touching traffic", () => {
    const r = aRollout({ phase: "deploying" });
    const failed = seen({
      candidate: { state: "Failed", model: { name: "diabetes", version: "2" } },
      candidateLogTail: "ERROR readiness probe failed",
    });
    const t = transitionOf(reconcile(r, failed, ctx()));
    expect(t.next.phase).toBe("failed");
    expect(t.next.ending?.detail).toBe("ERROR readiness probe failed");
    expect(t.next.ending?.reason).toContain("traffic was not touched");
    expect(t.outbox.map((m) => m.kind)).toEqual(["update_card", "post_notice", "personal_message"]);
    const notice = t.outbox.find((m) => m.kind === "post_notice");
    expect(notice).toMatchObject({ channel: { channelId: "19:ml-platform" } });
    expect(
      notice?.kind === "post_notice" && notice.notice.kind === "text" && unescapeMarkdown(notice.notice.text),
    ).toContain("The rollout of diabetes:2 to diabetes-prod, requested by Alex Wilber, failed.");
    expect(t.audit[0]).toMatchObject({ action: "rollout.fail", target: "diabetes-prod", outcome: "failed" });
  });
});

describe("the smoke test and the first approval", () => {
  it("asks the approvers for step 1 when every sample passed", () => {
    const t = smokeTested(aRollout({ phase: "smoke_testing" }), samples(true), ctx());
    expect(t.next).toMatchObject({
      phase: "awaiting_approval",
      step: 0,
      smoke: { passed: true },
      expiresAt: new Date(T0.getTime() + DAY),
    });
    const reply = t.outbox.find((m) => m.kind === "reply_in_thread");
    expect(reply).toMatchObject({ mentions: [{ name: "Megan Bowen" }, { name: "Patti Fernandez" }] });
    expect(reply && "text" in reply && reply.text).toContain("Step 1 (blue 90 / green 10) needs your approval");
  });

  it("blocks the first approval after a failed smoke test until an admin overrides it with a reason", () => {
    const failed = smokeTested(aRollout({ phase: "smoke_testing" }), samples(false), ctx()).next;
    expect(failed.smoke?.passed).toBe(false);
    expect(approve(failed, target(failed), MEGAN, ctx())).toEqual({
      ok: false,
      error: { code: "smoke_test_failed", endpoint: "diabetes-prod" },
    });
    const overridden = ok(overrideSmokeTest(failed, target(failed), ADELE, "pregnancy cap is a known limit", ctx()));
    expect(overridden.next.override).toMatchObject({ by: ADELE, reason: "pregnancy cap is a known limit" });
    expect(overridden.audit[0]).toMatchObject({ action: "rollout.override", actor: ADELE });
    expect(ok(approve(overridden.next, target(overridden.next), MEGAN, ctx())).next.phase).toBe("shifting");
  });
});

describe("approvals", () => {
  const waiting = aRollout({
    phase: "awaiting_approval",
    version: 5,
    smoke: { at: T0, passed: true, samples: samples(true) },
    expiresAt: new Date(T0.getTime() + DAY),
  });

  it("applies an approved step next, recording who approved", () => {
    const t = ok(approve(waiting, target(waiting), MEGAN, ctx()));
    expect(t.next).toMatchObject({
      phase: "shifting",
      step: 0,
      version: 6,
      nextRunAt: T0,
      approvals: [{ step: 0, by: MEGAN, at: T0 }],
    });
    expect(t.next).not.toHaveProperty("expiresAt");
    expect(t.audit[0]).toMatchObject({ action: "rollout.approve", actor: MEGAN });
  });

  it("refuses the requester's own approval", () => {
    expect(approve(waiting, target(waiting), ALEX, ctx())).toMatchObject({
      ok: false,
      error: { code: "self_approval" },
    });
  });

  it("refuses a click on a card for another step, an older version, or an ended rollout", () => {
    expect(approve(waiting, { ...target(waiting), step: 1 }, MEGAN, ctx())).toMatchObject({
      ok: false,
      error: { code: "stale_card" },
    });
    expect(approve(waiting, { ...target(waiting), version: 4 }, MEGAN, ctx())).toMatchObject({
      ok: false,
      error: { code: "stale_card" },
    });
    const shifting = ok(approve(waiting, target(waiting), MEGAN, ctx())).next;
    // The same click again (a replay): the stored rollout has moved on.
    expect(approve(shifting, target(waiting), MEGAN, ctx())).toMatchObject({
      ok: false,
      error: { code: "stale_card" },
    });
    const ended = { ...waiting, phase: "rejected" as const };
    expect(approve(ended, target(ended), MEGAN, ctx())).toMatchObject({
      ok: false,
      error: { code: "stale_card", now: "the rollout has ended (rejected)" },
    });
  });

  it("needs nothing from Azure while it waits for an approver, until the approval expires", () => {
    expect(waitingForPerson(waiting, T0)).toEqual({ until: waiting.expiresAt });
    expect(waitingForPerson(waiting, new Date(T0.getTime() + DAY))).toBeUndefined();
    expect(waitingForPerson({ ...waiting, phase: "shifting" }, T0)).toBeUndefined();
  });

  it("expires an unanswered approval and puts the starting traffic back", () => {
    expect(reconcile(waiting, seen(), ctx())).toEqual({ kind: "wait", until: waiting.expiresAt });
    const later = new Date(T0.getTime() + DAY);
    const restoring = transitionOf(
      reconcile({ ...waiting, step: 1 }, seen({ traffic: { blue: 90, green: 10 } }), ctx(later)),
    ).next;
    expect(restoring).toMatchObject({ phase: "restoring", ending: { then: "expired" } });
    expect(reconcile(restoring, seen({ traffic: { blue: 90, green: 10 } }), ctx(later))).toEqual({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 100 }, mirror: {} },
    });
    expect(transitionOf(reconcile(restoring, seen(), ctx(later))).next.phase).toBe("expired");
  });

  it("ends a rejected rollout with the starting traffic restored", () => {
    const shifted = { ...waiting, step: 1 };
    const t = ok(reject(shifted, target(shifted), MEGAN, "p95 too high on the canary", ctx()));
    expect(t.next).toMatchObject({
      phase: "restoring",
      ending: { then: "rejected", reason: "Megan Bowen rejected step 2: p95 too high on the canary" },
    });
    expect(t.audit[0]).toMatchObject({ detail: expect.stringContaining("p95 too high on the canary") as string });
    expect(reconcile(t.next, seen({ traffic: { blue: 90, green: 10 } }), ctx())).toMatchObject({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 100 }, mirror: {} },
    });
    const done = transitionOf(reconcile(t.next, seen({ traffic: { blue: 100, green: 0 } }), ctx())).next;
    expect(done.phase).toBe("rejected");
    expect(done).not.toHaveProperty("nextRunAt");
  });
});

describe("shifting traffic", () => {
  const shifting = aRollout({ phase: "shifting", step: 1, approvals: [{ step: 0, by: MEGAN, at: T0 }] });

  it("sets the step's traffic when the endpoint is where the rollout left it", () => {
    expect(reconcile(shifting, seen({ traffic: { blue: 90, green: 10 } }), ctx())).toEqual({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 10, green: 90 }, mirror: {} },
    });
  });

  it("asks for the next step once the traffic is applied (also after a crash that applied it)", () => {
    const t = transitionOf(reconcile(shifting, seen({ traffic: { blue: 10, green: 90 } }), ctx()));
    expect(t.next).toMatchObject({ phase: "awaiting_approval", step: 2 });
    expect(t.outbox.map((m) => m.kind)).toEqual(["update_card", "reply_in_thread"]);
    // Megan approved the step just applied and is looking at the card: only the other approver is pinged.
    expect(t.outbox[1]).toMatchObject({ mentions: [{ name: "Patti Fernandez" }] });
  });

  it("promotes after the last step and asks whether to retire the old deployment", () => {
    const last = { ...shifting, step: 2 };
    const t = transitionOf(reconcile(last, seen({ traffic: { green: 100, blue: 0 } }), ctx()));
    expect(t.next.phase).toBe("promoted");
    expect(reconcile(last, seen({ traffic: { blue: 10, green: 90 } }), ctx())).toMatchObject({
      action: { traffic: { green: 100 } },
    });
  });

  it("waits for Azure's update to end before counting a step as applied", () => {
    const running = seen({ traffic: { blue: 10, green: 90 }, endpointState: "Updating" });
    expect(reconcile(shifting, running, ctx())).toEqual({ kind: "wait", until: new Date(T0.getTime() + 1000) });
    const settled = seen({ traffic: { blue: 10, green: 90 }, endpointState: "Succeeded" });
    expect(transitionOf(reconcile(shifting, settled, ctx())).next.phase).toBe("awaiting_approval");
  });

  it("pauses instead of overwriting traffic someone changed outside GreenLight", () => {
    const t = transitionOf(reconcile(shifting, seen({ traffic: { blue: 50, green: 50 } }), ctx()));
    expect(t.next.phase).toBe("paused");
    expect(t.next.ending?.reason).toContain("blue 50 / green 50, not blue 90 / green 10");
  });

  it("decides a shift on the endpoint's traffic alone, as the worker reads it then", () => {
    expect(observationFor("shifting")).toBe("traffic");
    const trafficOnly = (traffic: Record<string, number>): Observed => ({ traffic, endpointState: "Succeeded" });
    expect(reconcile(shifting, trafficOnly({ blue: 90, green: 10 }), ctx())).toMatchObject({ kind: "act" });
    expect(transitionOf(reconcile(shifting, trafficOnly({ blue: 50, green: 50 }), ctx())).next.phase).toBe("paused");
    expect(transitionOf(reconcile(shifting, trafficOnly({ blue: 10, green: 90 }), ctx())).next).toMatchObject({
      phase: "awaiting_approval",
      step: 2,
    });
  });

  it("takes a traffic update Azure reported done as the endpoint's traffic, and asks for the next step on it", () => {
    const before: Observed = { traffic: { blue: 90, green: 10 }, endpointState: "Succeeded" };
    const set = { kind: "set_traffic" as const, traffic: { blue: 10, green: 90 }, mirror: {} };
    const after = observedAfter(before, set);
    expect(after).toEqual({ traffic: { blue: 10, green: 90 }, mirror: {}, endpointState: "Succeeded" });
    const t = transitionOf(reconcile(shifting, after!, ctx()));
    expect(t.next).toMatchObject({
      phase: "awaiting_approval",
      step: 2,
      trafficSeen: { traffic: { blue: 10, green: 90 } },
    });
    // A clone is still provisioning, a smoke test changes nothing: Azure is read again after them.
    expect(observedAfter(before, { kind: "clone" })).toBeUndefined();
    expect(observedAfter(before, { kind: "smoke_test" })).toBeUndefined();
  });

  it("waits out a busy or throttled workspace, and restores the start when Azure refuses the change", () => {
    const set = { kind: "set_traffic" as const, traffic: { blue: 10, green: 90 }, mirror: {} };
    expect(
      actionFailed(
        shifting,
        set,
        { code: "operation_in_progress", endpoint: "diabetes-prod", retryAfterSeconds: 5 },
        ctx(),
      ),
    ).toEqual({
      kind: "wait",
      until: new Date(T0.getTime() + 5000),
    });
    expect(actionFailed(shifting, set, { code: "workspace_throttled" }, ctx()).kind).toBe("wait");
    const refused = actionFailed(
      shifting,
      set,
      { code: "workspace_rejected", status: 400, message: "bad traffic" },
      ctx(),
    );
    expect(transitionOf(refused).next).toMatchObject({ phase: "restoring", ending: { then: "failed" } });
  });
});

describe("retirement, rollback and the ends", () => {
  const promoted = aRollout({ phase: "promoted", step: 2, expiresAt: new Date(T0.getTime() + DAY) });

  it("retires the old deployment when an approver other than the requester says so", () => {
    expect(retire(promoted, target(promoted), ALEX, false, ctx())).toMatchObject({
      ok: false,
      error: { code: "self_approval" },
    });
    const retiring = ok(retire(promoted, target(promoted), MEGAN, false, ctx())).next;
    expect(reconcile(retiring, seen({ traffic: { green: 100 } }), ctx())).toEqual({
      kind: "act",
      action: { kind: "delete_live" },
    });
    expect(
      transitionOf(reconcile(retiring, seen({ traffic: { green: 100 }, liveExists: false }), ctx())).next.phase,
    ).toBe("completed");
    // The worker reads only the traffic while retiring: blue's delete (a success when blue is gone) says it is gone.
    expect(observationFor("retiring")).toBe("traffic");
    const trafficOnly: Observed = { traffic: { green: 100 } };
    expect(reconcile(retiring, trafficOnly, ctx())).toEqual({ kind: "act", action: { kind: "delete_live" } });
    const deleted = observedAfter(trafficOnly, { kind: "delete_live" });
    expect(transitionOf(reconcile(retiring, deleted!, ctx())).next).toMatchObject({ phase: "completed" });
    expect(
      transitionOf(reconcile(retiring, { traffic: { blue: 10, green: 90 } }, ctx())).next.ending?.reason,
    ).toContain("blue takes live traffic again");
    expect(ok(retire(promoted, target(promoted), MEGAN, true, ctx())).next.phase).toBe("completed");
  });

  it("completes, keeping the old deployment, when nobody decides in time", () => {
    const t = transitionOf(reconcile(promoted, seen({ traffic: { green: 100 } }), ctx(new Date(T0.getTime() + DAY))));
    expect(t.next.phase).toBe("completed");
  });

  it("rolls back from any point before the end, and not after", () => {
    for (const phase of [
      "requested",
      "deploying",
      "smoke_testing",
      "awaiting_approval",
      "shifting",
      "promoted",
    ] as const) {
      expect(ok(rollBack(aRollout({ phase }), ALEX, ctx())).next).toMatchObject({
        phase: "restoring",
        ending: { then: "rolled_back" },
      });
    }
    for (const phase of ["completed", "rejected", "failed", "expired", "rolled_back"] as const) {
      expect(rollBack(aRollout({ phase }), ALEX, ctx())).toMatchObject({
        ok: false,
        error: { code: "no_active_rollout" },
      });
    }
    expect(rollBack(aRollout({ phase: "retiring" }), ALEX, ctx())).toMatchObject({
      ok: false,
      error: { code: "cannot_roll_back" },
    });
  });

  it("fails when the endpoint is gone, and does nothing more once ended", () => {
    expect(
      transitionOf(reconcile(aRollout({ phase: "shifting" }), seen({ traffic: undefined }), ctx())).next.phase,
    ).toBe("failed");
    expect(reconcile(aRollout({ phase: "completed" }), seen(), ctx())).toEqual({ kind: "wait", until: undefined });
  });
});

describe("a whole rollout", () => {
  it("goes from request to completion with three approvals, each change one version and one card update", () => {
    let r = aRollout();
    let traffic: Record<string, number> = { blue: 100 };
    let candidate: NonNullable<Observed["candidate"]> = "missing";
    let liveExists = true;
    const cardUpdates: number[] = [];
    const run = (): void => {
      for (let round = 0; round < 20; round++) {
        const d = reconcile(r, { traffic, candidate, liveExists }, ctx());
        if (d.kind === "wait") return;
        if (d.kind === "transition") {
          expect(d.transition.next.version).toBe(r.version + 1);
          cardUpdates.push(...cardVersions(d.transition));
          r = d.transition.next;
        } else if (d.action.kind === "clone") candidate = { state: "Succeeded", model: r.model };
        else if (d.action.kind === "set_traffic") traffic = d.action.traffic;
        else if (d.action.kind === "delete_live") liveExists = false;
        else if (d.action.kind === "smoke_test") {
          const tested = smokeTested(r, samples(true), ctx());
          cardUpdates.push(...cardVersions(tested));
          r = tested.next;
        }
      }
      throw new Error("no progress");
    };
    run();
    expect(r.phase).toBe("awaiting_approval");
    for (const expected of [{ blue: 90, green: 10 }, { blue: 10, green: 90 }, { green: 100 }]) {
      const approved = ok(approve(r, target(r), MEGAN, ctx()));
      cardUpdates.push(...cardVersions(approved));
      r = approved.next;
      run();
      expect(traffic).toEqual(expected);
    }
    expect(r.phase).toBe("promoted");
    const retiring = ok(retire(r, target(r), MEGAN, false, ctx()));
    cardUpdates.push(...cardVersions(retiring));
    r = retiring.next;
    run();
    expect(r.phase).toBe("completed");
    expect(liveExists).toBe(false);
    expect(r.approvals.map((a) => a.step)).toEqual([0, 1, 2]);
    // One card update per change, each showing (and binding its buttons to) the version it made.
    expect(cardUpdates).toEqual(Array.from({ length: r.version - 1 }, (_, i) => i + 2));
  });
});
