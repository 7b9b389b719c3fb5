// Deleting an endpoint, decided without I/O: a second person confirms by typing the name, before the request expires,
// and nothing is deleted when the endpoint is no longer what the card showed or a rollout started meanwhile.
import { describe, expect, it } from "vitest";
import { deletionCardView } from "../../../src/core/deletion/deletion-card.js";
import {
  changedSince,
  confirmDeletion,
  reconcileDeletion,
  rejectDeletion,
  type DeletionContext,
  type DeletionObserved,
  type DeletionTransition,
} from "../../../src/core/deletion/deletion.js";
import type { Deletion } from "../../../src/ports/deletions.js";
import type { Person } from "../../../src/ports/people.js";
import type { DeploymentView } from "../../../src/ports/workspace.js";
import { aDeletion, DELETION_T0 } from "../../support/a-deletion.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";
import { viewerWith } from "../../support/viewer.js";

const ADELE: Person = { id: "29:adele", name: "Adele Vance", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03" };
const ADELE_ELSEWHERE: Person = { id: "29:adele-phone", name: "Adele", aadObjectId: ADELE.aadObjectId ?? "" };
const MEGAN: Person = { id: "29:megan", name: "Megan Bowen", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02" };
const DAY = 24 * 3600_000;

const ctx = (now = DELETION_T0): DeletionContext => ({
  now,
  approvers: [{ id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02", name: "Megan Bowen" }],
  notify: [{ serviceUrl: "https://smba.example/", channelId: "19:ml-platform" }],
  correlationId: "test",
  retryMs: 5000,
});

const waiting = (overrides: Partial<Deletion> = {}): Deletion =>
  aDeletion({ requestedBy: ADELE, requesterConversationId: "personal-adele", ...overrides });
const target = (d: Deletion) => ({ deletion: d.id, version: d.version });

const deployment = (name: string, version: string): DeploymentView => ({
  name,
  state: "Succeeded",
  model: { name: "fraud", version },
  instanceType: "Standard_DS3_v2",
  scale: { kind: "fixed", count: 2 },
});
const asCarded: DeletionObserved = {
  rolloutActive: false,
  endpoint: { state: "Succeeded", traffic: { blue: 100 }, deployments: [deployment("blue", "4")] },
};

function ok<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

const personal = (t: DeletionTransition): string[] =>
  t.outbox.flatMap((m) =>
    m.kind === "personal_message" && m.notice.kind === "text" ? [unescapeMarkdown(m.notice.text)] : [],
  );

describe("confirming a deletion", () => {
  it("is done by an approver other than the requester, typing the endpoint's name", () => {
    const d = waiting();
    const t = ok(confirmDeletion(d, target(d), MEGAN, " fraud-scoring ", ctx()));
    expect(t.next).toMatchObject({ phase: "deleting", approvedBy: { by: MEGAN }, nextRunAt: DELETION_T0 });
    expect(t.audit[0]).toMatchObject({ action: "deletion.approve", actor: MEGAN });
  });

  it("refuses the requester under another Teams id, a click nobody can be told apart by, and a wrong name", () => {
    const d = waiting();
    expect(confirmDeletion(d, target(d), ADELE_ELSEWHERE, "fraud-scoring", ctx())).toMatchObject({
      ok: false,
      error: { code: "self_approval", what: "deletion" },
    });
    expect(confirmDeletion(d, target(d), { id: "29:x", name: "X" }, "fraud-scoring", ctx())).toMatchObject({
      ok: false,
      error: { code: "identity_unknown" },
    });
    expect(confirmDeletion(d, target(d), MEGAN, "fraud-scorin", ctx())).toMatchObject({
      ok: false,
      error: { code: "confirmation_mismatch" },
    });
  });

  it("refuses a confirmation or a keep once the request has expired, before the worker recorded it", () => {
    const d = waiting();
    const late = new Date(DELETION_T0.getTime() + DAY);
    expect(confirmDeletion(d, target(d), MEGAN, "fraud-scoring", ctx(late))).toMatchObject({
      ok: false,
      error: { code: "approval_expired", what: "deletion" },
    });
    expect(rejectDeletion(d, target(d), MEGAN, ctx(late))).toMatchObject({
      ok: false,
      error: { code: "approval_expired" },
    });
  });

  it("refuses a click on an older version of the card", () => {
    const d = waiting({ version: 3 });
    expect(confirmDeletion(d, { deletion: d.id, version: 2 }, MEGAN, "fraud-scoring", ctx())).toMatchObject({
      ok: false,
      error: { code: "stale_card" },
    });
  });
});

describe("keeping the endpoint, and expiry", () => {
  it("tells the requester that their request was turned down", () => {
    const d = waiting();
    const t = ok(rejectDeletion(d, target(d), MEGAN, ctx()));
    expect(t.next.phase).toBe("rejected");
    expect(personal(t)).toEqual([
      "Megan Bowen kept fraud-scoring: your request to delete it was turned down, and nothing was deleted.",
    ]);
  });

  it("tells the requester when the request expires unconfirmed", () => {
    const d = waiting();
    const decision = reconcileDeletion(d, ctx(new Date(DELETION_T0.getTime() + DAY)), { rolloutActive: false });
    expect(decision.kind).toBe("transition");
    if (decision.kind !== "transition") return;
    expect(decision.transition.next.phase).toBe("expired");
    expect(personal(decision.transition)[0]).toContain("expired before an approver confirmed it; nothing was deleted");
  });
});

describe("deleting after the confirmation", () => {
  const confirmed = (): Deletion =>
    ok(confirmDeletion(waiting(), target(waiting()), MEGAN, "fraud-scoring", ctx())).next;

  it("deletes the endpoint that is still what the card showed", () => {
    expect(reconcileDeletion(confirmed(), ctx(), asCarded)).toEqual({ kind: "delete" });
  });

  it("deletes nothing when a rollout started after the confirmation", () => {
    const decision = reconcileDeletion(confirmed(), ctx(), { ...asCarded, rolloutActive: true });
    expect(decision).toMatchObject({
      kind: "transition",
      transition: {
        next: { phase: "failed", ending: { reason: expect.stringContaining("A rollout started") as string } },
      },
    });
  });

  it("deletes nothing when the endpoint changed since the card, and says what changed", () => {
    const now = {
      state: "Succeeded",
      traffic: { blue: 0, green: 100 },
      deployments: [deployment("blue", "4"), deployment("green", "5")],
    };
    const decision = reconcileDeletion(confirmed(), ctx(), { rolloutActive: false, endpoint: now });
    expect(decision.kind).toBe("transition");
    if (decision.kind !== "transition") return;
    const next = decision.transition.next;
    expect(next.phase).toBe("failed");
    expect(next.ending?.reason).toContain("green (fraud:5) was added; traffic is green 100 (was blue 100)");
    expect(unescapeMarkdown(deletionCardView(next).ending)).toContain("Nothing was deleted");
  });

  it("names a swapped model and a removed deployment", () => {
    expect(
      changedSince(waiting().preview, {
        traffic: { blue: 100 },
        deployments: [{ ...deployment("blue", "9") }],
      }),
    ).toEqual(["blue now serves fraud:9 (was fraud:4)"]);
    expect(changedSince(waiting().preview, { traffic: {}, deployments: [] })).toEqual([
      "blue (fraud:4) is gone",
      "traffic is no live traffic (was blue 100)",
    ]);
  });

  it("lets Azure's delete in progress finish, and ends as deleted when the endpoint is gone", () => {
    const deleting = { ...asCarded, endpoint: { ...asCarded.endpoint!, state: "Deleting", deployments: [] } };
    expect(reconcileDeletion(confirmed(), ctx(), deleting)).toEqual({ kind: "delete" });
    const gone = reconcileDeletion(confirmed(), ctx(), { rolloutActive: false });
    expect(gone).toMatchObject({ kind: "transition", transition: { next: { phase: "deleted" } } });
  });
});

describe("the deletion card", () => {
  it("gives the name box and Delete to approvers other than the requester, and Keep it to any approver", () => {
    const d = waiting();
    expect(deletionCardView(d)).toMatchObject({ canConfirm: false, canKeep: false, offerView: true, refresh: true });
    expect(deletionCardView(d, viewerWith(MEGAN, "approver"))).toMatchObject({
      canConfirm: true,
      canKeep: true,
    });
    expect(deletionCardView(d, viewerWith(ADELE_ELSEWHERE, "admin"))).toMatchObject({
      canConfirm: false,
      canKeep: true,
    });
    expect(deletionCardView(d, viewerWith(MEGAN, "viewer"))).toMatchObject({
      canConfirm: false,
      canKeep: false,
    });
  });

  it("keeps the typed name and shows the refusal on a redrawn card", () => {
    const view = deletionCardView(waiting(), viewerWith(MEGAN, "approver"), {
      refusal: { code: "confirmation_mismatch", endpoint: "fraud-scoring" },
      typed: { confirm: "fraud-scorin" },
    });
    expect(view).toMatchObject({
      typed: { confirm: "fraud-scorin" },
      refusal: expect.stringContaining("Nothing changed") as string,
    });
  });
});
