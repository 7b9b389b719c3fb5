// Approvals a team can trust, decided without I/O: one person is one person whatever their Teams id, an expired
// approval is refused at the click, a restore is retried until Azure takes it, a paused rollout has a way forward,
// and the card (everyone's, and each person's own view) says what is true.
import { describe, expect, it } from "vitest";
import { samePerson } from "../../../src/core/people/identity.js";
import {
  approve,
  overrideSmokeTest,
  reject,
  resume,
  retire,
  rollBack,
  type CardTarget,
} from "../../../src/core/rollout/events.js";
import {
  actionFailed,
  reconcile,
  smokeTested,
  type Decision,
  type Observed,
} from "../../../src/core/rollout/reconcile.js";
import { rolloutCardView, rolloutNotice } from "../../../src/core/rollout/rollout-card.js";
import type { Transition } from "../../../src/core/rollout/transition.js";
import type { Person } from "../../../src/ports/people.js";
import type { Rollout, SmokeSample } from "../../../src/ports/rollouts.js";
import { aReconcileContext, aRollout as aRolloutOf } from "../../support/a-rollout.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";
import { viewerWith } from "../../support/viewer.js";

const T0 = new Date("2026-11-29T10:00:00Z");
const DAY = 24 * 60 * 60 * 1000;
const ALEX: Person = {
  id: "29:alex-desktop",
  name: "Alex Wilber",
  aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01",
  tenantId: "7d3c2b1a-0000-4000-8000-000000000001",
  upn: "alexw@greenlight.example",
};
const MEGAN: Person = {
  id: "29:megan",
  name: "Megan Bowen",
  aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02",
  upn: "meganb@greenlight.example",
};
const ADELE: Person = { id: "29:adele", name: "Adele Vance", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03" };
/** Alex again, under another Teams id (another client, a forged activity): the same object id. */
const ALEX_ELSEWHERE: Person = { id: "29:alex-second-id", name: "A. Wilber", aadObjectId: ALEX.aadObjectId ?? "" };

const ctx = (now = T0) =>
  aReconcileContext(now, {
    approvers: [
      { id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02", name: "Megan Bowen" },
      { id: "alexw@greenlight.example", name: "Alex Wilber" },
    ],
    admins: [{ id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03", name: "Adele Vance" }],
  });

const passed: SmokeSample[] = [
  {
    sample: "typical",
    candidate: { status: 200, latencyMs: 9 },
    live: { status: 200, latencyMs: 8 },
    passed: true,
    differs: false,
  },
];
const failedSmoke: SmokeSample[] = [
  {
    sample: "many",
    candidate: { status: 424, latencyMs: 9 },
    live: { status: 200, latencyMs: 8 },
    passed: false,
    differs: false,
  },
];

const waiting = (overrides: Partial<Rollout> = {}): Rollout =>
  aRolloutOf({
    requestedBy: ALEX,
    requesterConversationId: "personal-alex",
    phase: "awaiting_approval",
    version: 5,
    smoke: { at: T0, passed: true, samples: passed },
    expiresAt: new Date(T0.getTime() + DAY),
    ...overrides,
  });

/** Waiting for its smoke test: no result yet. */
function untested(): Rollout {
  const { smoke: _smoke, ...r } = waiting({ phase: "smoke_testing" });
  return r;
}

const target = (r: Rollout): CardTarget => ({ rollout: r.id, step: r.step, version: r.version });
const seen = (traffic: Record<string, number> | undefined, extra: Partial<Observed> = {}): Observed => ({
  traffic,
  candidate: { state: "Succeeded", model: { name: "diabetes", version: "2" } },
  liveExists: true,
  ...extra,
});

function ok<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function transitionOf(decision: Decision): Transition {
  if (decision.kind !== "transition") throw new Error(`expected a transition, got ${JSON.stringify(decision)}`);
  return decision.transition;
}

const texts = (t: Transition, kind: "reply_in_thread" | "personal_message" | "post_notice"): string[] =>
  t.outbox.flatMap((m) => {
    if (m.kind !== kind) return [];
    if (m.kind === "reply_in_thread") return [m.text];
    return "notice" in m && m.notice.kind === "text" ? [m.notice.text] : [];
  });

describe("one person is one person", () => {
  it("tells people apart by Entra object id or UPN, never by Teams id alone", () => {
    expect(samePerson(ALEX, ALEX_ELSEWHERE)).toBe("same");
    expect(samePerson(ALEX, { id: "x", name: "x", upn: "ALEXW@greenlight.example" })).toBe("same");
    expect(samePerson(ALEX, MEGAN)).toBe("different");
    expect(
      samePerson({ id: "29:a", name: "a", upn: "a@x.example" }, { id: "29:b", name: "b", upn: "b@x.example" }),
    ).toBe("different");
    // Nothing stable to compare: GreenLight cannot say these are two people.
    expect(samePerson(ALEX, { id: "29:nobody", name: "Nobody" })).toBe("unknown");
    expect(samePerson({ id: "29:a", name: "a", aadObjectId: "x" }, { id: "29:b", name: "b", upn: "b@x.example" })).toBe(
      "unknown",
    );
  });

  it("refuses the requester's approval, override, retirement, keep and continue under another Teams id", () => {
    const r = waiting();
    expect(approve(r, target(r), ALEX_ELSEWHERE, ctx())).toMatchObject({ ok: false, error: { code: "self_approval" } });
    const blocked = waiting({ smoke: { at: T0, passed: false, samples: failedSmoke } });
    expect(overrideSmokeTest(blocked, target(blocked), ALEX_ELSEWHERE, "known limit", ctx())).toMatchObject({
      ok: false,
      error: { code: "self_approval" },
    });
    const promoted = waiting({ phase: "promoted", step: 2 });
    for (const keep of [false, true]) {
      expect(retire(promoted, target(promoted), ALEX_ELSEWHERE, keep, ctx())).toMatchObject({
        ok: false,
        error: { code: "self_approval" },
      });
    }
    const paused = waiting({ phase: "paused", trafficSeen: { traffic: { blue: 70, green: 30 }, at: T0 } });
    expect(resume(paused, target(paused), ALEX_ELSEWHERE, ctx())).toMatchObject({
      ok: false,
      error: { code: "self_approval" },
    });
  });

  it("refuses a UPN-only requester's approval from another Teams id that the roster resolves to the same UPN", () => {
    const byUpn: Person = { id: "29:adele-1", name: "Adele Vance", upn: "adelev@greenlight.example" };
    const r = waiting({ requestedBy: byUpn });
    const again: Person = { id: "29:adele-2", name: "Adele V.", upn: "AdeleV@greenlight.example" };
    expect(approve(r, target(r), again, ctx())).toMatchObject({ ok: false, error: { code: "self_approval" } });
  });

  it("does not count a click without a stable identity as someone else", () => {
    const r = waiting();
    expect(approve(r, target(r), { id: "29:who", name: "Megan Bowen" }, ctx())).toMatchObject({
      ok: false,
      error: { code: "identity_unknown", what: "rollout" },
    });
  });

  it("lets another person approve, and records who they are", () => {
    const r = waiting();
    const t = ok(approve(r, target(r), MEGAN, ctx()));
    expect(t.next.approvals).toEqual([{ step: 0, by: MEGAN, at: T0 }]);
    expect(t.audit[0]?.actor).toEqual(MEGAN);
  });
});

describe("expiry at the click", () => {
  const late = new Date(T0.getTime() + DAY);

  it("refuses an approval, a rejection and an override once the approval's time is up, recorded or not", () => {
    const r = waiting();
    for (const result of [approve(r, target(r), MEGAN, ctx(late)), reject(r, target(r), MEGAN, undefined, ctx(late))]) {
      expect(result).toMatchObject({
        ok: false,
        error: { code: "approval_expired", what: "step", expiredAt: r.expiresAt },
      });
    }
    const blocked = waiting({ smoke: { at: T0, passed: false, samples: failedSmoke } });
    expect(overrideSmokeTest(blocked, target(blocked), ADELE, "known", ctx(late))).toMatchObject({
      ok: false,
      error: { code: "approval_expired" },
    });
  });

  it("refuses to retire the old deployment once that decision's time is up", () => {
    const promoted = waiting({ phase: "promoted", step: 2 });
    expect(retire(promoted, target(promoted), MEGAN, false, ctx(late))).toMatchObject({
      ok: false,
      error: { code: "approval_expired", what: "retirement" },
    });
  });

  it("still takes a click a moment before the expiry", () => {
    const r = waiting();
    expect(approve(r, target(r), MEGAN, ctx(new Date(late.getTime() - 1))).ok).toBe(true);
  });
});

describe("putting the starting traffic back", () => {
  const set = { kind: "set_traffic" as const, traffic: { blue: 100 }, mirror: {} };
  const refusal = { code: "workspace_rejected" as const, status: 409, message: "endpoint locked" };
  const restoring = (): Rollout => ok(rollBack(waiting({ phase: "awaiting_approval", step: 1 }), MEGAN, ctx())).next;

  it("keeps trying with growing waits when Azure refuses, and says so once", () => {
    let r = restoring();
    expect(r.restore).toEqual({ from: [{ blue: 90, green: 10 }], failures: 0 });
    const waits: number[] = [];
    const told: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const t = transitionOf(actionFailed(r, set, refusal, ctx()));
      expect(t.next.phase).toBe("restoring");
      expect(t.next.restore).toMatchObject({
        failures: attempt,
        lastError: expect.stringContaining("endpoint locked") as string,
      });
      waits.push((t.next.nextRunAt?.getTime() ?? 0) - T0.getTime());
      told.push(texts(t, "personal_message").length);
      r = t.next;
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(told).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(unescapeMarkdown(rolloutCardView(r).phase)).toMatch(
      /Azure refused 8 time\(s\) \(.*endpoint locked.*\); trying again at/,
    );
    // Still the endpoint's active rollout: `rollback` tries again at once, and the end comes once Azure takes it.
    const again = ok(rollBack(r, MEGAN, ctx()));
    expect(again.next).toMatchObject({ phase: "restoring", nextRunAt: T0 });
    expect(transitionOf(reconcile(again.next, seen({ blue: 100 }), ctx())).next.phase).toBe("rolled_back");
  });

  it("does not tell the requester of their own rollback", () => {
    const own = ok(rollBack(waiting({ step: 1 }), ALEX_ELSEWHERE, ctx())).next;
    const done = transitionOf(reconcile(own, seen({ blue: 100 }), ctx()));
    expect(done.next.phase).toBe("rolled_back");
    expect(texts(done, "personal_message")).toEqual([]);
    const theirs = ok(rollBack(waiting({ step: 1 }), MEGAN, ctx())).next;
    expect(texts(transitionOf(reconcile(theirs, seen({ blue: 100 }), ctx())), "personal_message")).toHaveLength(1);
  });

  it("pauses instead of overwriting a change someone else made meanwhile", () => {
    const r = restoring();
    const t = transitionOf(reconcile(r, seen({ blue: 70, green: 10, red: 20 }), ctx()));
    expect(t.next.phase).toBe("paused");
    expect(t.next.ending?.reason).toContain(
      "blue 70 / green 10 / red 20, not what GreenLight left (blue 90 / green 10)",
    );
    expect(t.next.trafficSeen).toEqual({ traffic: { blue: 70, green: 10, red: 20 }, at: T0 });
    // What GreenLight left is put back over: that is the restore.
    expect(reconcile(r, seen({ blue: 90, green: 10 }), ctx())).toEqual({ kind: "act", action: set });
  });

  it("restores after a failed shift whether or not Azure applied the step", () => {
    const shifting = waiting({ phase: "shifting", step: 1 });
    const r = transitionOf(
      actionFailed(shifting, { kind: "set_traffic", traffic: { blue: 10, green: 90 }, mirror: {} }, refusal, ctx()),
    ).next;
    expect(r.phase).toBe("restoring");
    for (const traffic of [
      { blue: 90, green: 10 },
      { blue: 10, green: 90 },
    ]) {
      expect(reconcile(r, seen(traffic), ctx())).toEqual({ kind: "act", action: set });
    }
  });
});

describe("a paused rollout", () => {
  const drifted = (): Rollout =>
    transitionOf(
      reconcile(
        waiting({ phase: "shifting", step: 1, approvals: [{ step: 0, by: MEGAN, at: T0 }] }),
        seen({ blue: 70, green: 30 }),
        ctx(),
      ),
    ).next;

  it("is not an end: it waits for a person, with the traffic Azure has on its card", () => {
    const r = drifted();
    expect(r).toMatchObject({ phase: "paused", trafficSeen: { traffic: { blue: 70, green: 30 } } });
    expect(r).not.toHaveProperty("nextRunAt");
    const card = rolloutCardView(r);
    expect(card.facts).toContainEqual({ title: "Traffic now", value: "blue 70 / green 30 (read 10:00 UTC)" });
    expect(unescapeMarkdown(card.phase)).toContain("waiting for someone to continue from it or restore the start");
  });

  it("continues from the traffic the card showed: the next step above it asks for approval", () => {
    const r = drifted();
    const resuming = ok(resume(r, target(r), MEGAN, ctx())).next;
    expect(resuming.phase).toBe("resuming");
    const t = transitionOf(reconcile(resuming, seen({ blue: 70, green: 30 }), ctx()));
    expect(t.next).toMatchObject({
      phase: "awaiting_approval",
      step: 1,
      baseline: { step: 1, traffic: { blue: 70, green: 30 } },
      expiresAt: new Date(T0.getTime() + DAY),
    });
    const approved = ok(approve(t.next, target(t.next), ADELE, ctx())).next;
    // The step goes from what was accepted, not from the plan's 90/10.
    expect(reconcile(approved, seen({ blue: 70, green: 30 }), ctx())).toEqual({
      kind: "act",
      action: { kind: "set_traffic", traffic: { blue: 10, green: 90 }, mirror: {} },
    });
  });

  it("pauses again when Azure has changed since the card, saying what it has now", () => {
    const r = drifted();
    const resuming = ok(resume(r, target(r), MEGAN, ctx())).next;
    const t = transitionOf(reconcile(resuming, seen({ blue: 40, green: 60 }), ctx()));
    expect(t.next.phase).toBe("paused");
    expect(t.next.ending?.reason).toContain("now blue 40 / green 60, not blue 70 / green 30 as the card showed");
  });

  it("will not continue while a third deployment takes traffic", () => {
    const r = waiting({ phase: "paused", trafficSeen: { traffic: { blue: 70, green: 10, red: 20 }, at: T0 } });
    expect(resume(r, target(r), MEGAN, ctx())).toMatchObject({
      ok: false,
      error: { code: "cannot_resume", problem: expect.stringContaining("red takes traffic too") as string },
    });
  });

  it("restores the start on rollback, and only over the traffic it paused on", () => {
    const r = drifted();
    const restoring = ok(rollBack(r, ALEX, ctx())).next;
    expect(restoring.restore?.from).toEqual([{ blue: 70, green: 30 }]);
    expect(reconcile(restoring, seen({ blue: 70, green: 30 }), ctx())).toMatchObject({ kind: "act" });
    expect(transitionOf(reconcile(restoring, seen({ blue: 50, green: 50 }), ctx())).next.phase).toBe("paused");
  });

  it("pauses a retirement when the old deployment takes traffic again, instead of deleting it", () => {
    const retiring = waiting({ phase: "retiring", step: 2 });
    const t = transitionOf(reconcile(retiring, seen({ blue: 5, green: 95 }), ctx()));
    expect(t.next.phase).toBe("paused");
    expect(t.next.ending?.reason).toContain("blue takes live traffic again");
    expect(reconcile(retiring, seen({ green: 100 }), ctx())).toEqual({ kind: "act", action: { kind: "delete_live" } });
  });
});

describe("the card", () => {
  const viewer = viewerWith;

  it("shows no decision button to everyone, and each person only the buttons they may use", () => {
    const r = waiting();
    expect(rolloutCardView(r).actions).toEqual({});
    expect(rolloutCardView(r).offerView).toBe(true);
    expect(rolloutCardView(r, viewer(MEGAN, "approver")).actions).toEqual({
      approve: { title: "Approve step 1" },
      reject: true,
    });
    expect(rolloutCardView(r, viewer(ALEX_ELSEWHERE, "approver", "operator")).actions).toEqual({ reject: true });
    expect(rolloutCardView(r, viewer(ADELE, "viewer")).actions).toEqual({});
    expect(rolloutCardView(r, viewer(ADELE, "viewer")).viewerNote).toContain("Nothing here for you to decide");
  });

  it("offers the override of a failed smoke test to admins other than the requester, and says it is blocked", () => {
    const blocked = waiting({ smoke: { at: T0, passed: false, samples: failedSmoke } });
    const everyone = rolloutCardView(blocked);
    expect(unescapeMarkdown(everyone.phase)).toBe(
      "Blocked: the smoke test failed — waiting for an admin other than Alex Wilber to override it, or a rollback",
    );
    expect(everyone.tone).toBe("Attention");
    expect(rolloutCardView(blocked, viewer(ADELE, "admin")).actions).toMatchObject({ override: true });
    expect(rolloutCardView(blocked, viewer(MEGAN, "approver")).actions).toEqual({ reject: true });
  });

  it("refreshes itself for the approvers, the admins and the requester while someone must act", () => {
    const notice = rolloutNotice(waiting(), ctx().people);
    expect(notice).toMatchObject({
      audience: {
        teamsIds: [ALEX.id],
        directoryIds: [
          "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02",
          "alexw@greenlight.example",
          "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03",
        ],
      },
    });
    expect(rolloutNotice(waiting({ phase: "shifting" }), ctx().people)).not.toHaveProperty("audience");
  });

  it("says the old deployment was deleted once it was retired", () => {
    const retiring = waiting({ phase: "retiring", step: 2 });
    const done = transitionOf(reconcile(retiring, seen({ green: 100 }, { liveExists: false }), ctx())).next;
    const facts = rolloutCardView(done).facts;
    expect(facts).toContainEqual({ title: "Old deployment", value: "blue — deleted" });
    expect(facts).toContainEqual({ title: "Traffic now", value: "green 100 (read 10:00 UTC)" });
  });
});

describe("who is pinged", () => {
  it("asks admins other than the requester, not approvers, to override a failed smoke test", () => {
    const r = untested();
    const reply = smokeTestedFailing(r).outbox.find((m) => m.kind === "reply_in_thread");
    expect(reply).toMatchObject({ mentions: [{ name: "Adele Vance" }] });
  });

  it("never pings the requester, even when they hold the role", () => {
    const shifting = waiting({ phase: "shifting", step: 0, approvals: [{ step: 0, by: MEGAN, at: T0 }] });
    const t = transitionOf(reconcile(shifting, seen({ blue: 90, green: 10 }), ctx()));
    // Alex is an approver but asked for it; Megan just approved: nobody left to ping, so no reply at all.
    expect(t.outbox.map((m) => m.kind)).toEqual(["update_card"]);
  });
});

describe("escaping", () => {
  it("escapes a model's name exactly once in thread replies, direct messages and channel posts", () => {
    const r = { ...untested(), model: { name: "x__bold__y", version: "www.evil.example" } };
    const t = smokeTestedFailing(r);
    const sent = [...texts(t, "reply_in_thread"), ...texts(t, "personal_message")];
    expect(sent).toHaveLength(2);
    for (const text of sent) {
      expect(text).toContain("x\\_\\_bold\\_\\_y\\:www\\.evil\\.example");
      expect(unescapeMarkdown(text)).toContain("x__bold__y:www.evil.example");
    }
    const ended = transitionOf(reconcile({ ...r, phase: "shifting" }, seen(undefined), ctx()));
    for (const text of [...texts(ended, "post_notice"), ...texts(ended, "personal_message")]) {
      expect(text).toContain("x\\_\\_bold\\_\\_y\\:www\\.evil\\.example");
      expect(text).not.toContain("\\\\");
    }
  });

  it("shows an Azure message on the card escaped once (no backslashes on screen)", () => {
    const shifting = waiting({ phase: "shifting", step: 1 });
    const refusal = { code: "workspace_rejected" as const, status: 400, message: "Traffic [green] must be <= 100." };
    const r = transitionOf(
      actionFailed(shifting, { kind: "set_traffic", traffic: { blue: 10, green: 90 }, mirror: {} }, refusal, ctx()),
    ).next;
    expect(unescapeMarkdown(rolloutCardView(r).ending)).toContain("Traffic [green] must be <= 100.");
  });
});

function smokeTestedFailing(r: Rollout): Transition {
  return smokeTested(r, failedSmoke, ctx());
}
