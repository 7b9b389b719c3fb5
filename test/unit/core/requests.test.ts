// Asking for a change, decided without I/O: what a deploy or a delete stores, posts and audits, from what Azure said —
// and what it refuses before anything is stored.
import { describe, expect, it } from "vitest";
import type { Requester } from "../../../src/core/change/request.js";
import { requestDeletion, type DeletionContext } from "../../../src/core/deletion/deletion.js";
import { requestRollout, type RolloutRequest } from "../../../src/core/rollout/events.js";
import type { ChannelAddress } from "../../../src/ports/notifier.js";
import { err, ok } from "../../../src/ports/result.js";
import type { EndpointView } from "../../../src/ports/workspace.js";
import { aReconcileContext } from "../../support/a-rollout.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";

const T0 = new Date("2026-11-29T10:00:00Z");
const DAY = 24 * 3600_000;
const RELEASE: ChannelAddress = { serviceUrl: "https://smba.example/", channelId: "19:release" };
const ML_PLATFORM: ChannelAddress = { serviceUrl: "https://smba.example/", channelId: "19:ml-platform" };
const ALEX: Requester = {
  person: { id: "29:alex", name: "Alex Wilber", aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01" },
  personalConversationId: "personal-alex",
};

const diabetesProd = (overrides: Partial<EndpointView> = {}): EndpointView => ({
  name: "diabetes-prod",
  state: "Succeeded",
  authMode: "Key",
  computeType: "Managed",
  scoringUri: "https://diabetes-prod.eastus.inference.ml.azure.com/score",
  traffic: { blue: 100 },
  mirrorTraffic: {},
  tags: {},
  deployments: [
    {
      name: "blue",
      state: "Succeeded",
      model: { name: "diabetes", version: "1" },
      instanceType: "Standard_DS3_v2",
      scale: { kind: "fixed", count: 2 },
    },
  ],
  ...overrides,
});

const tctx = () => ({
  ...aReconcileContext(T0, { approvers: [], admins: [] }),
  notify: [RELEASE, ML_PLATFORM],
});

const rolloutOf = (overrides: Partial<RolloutRequest> = {}): RolloutRequest => ({
  id: "0f0e0d0c-0000-4000-8000-000000000001",
  requester: ALEX,
  endpoint: diabetesProd(),
  model: ok({ model: "diabetes", version: "2" }),
  channel: RELEASE,
  gateDefaults: { bakeMs: 600_000, minRequests: 50 },
  ...overrides,
});

const problemOf = (result: ReturnType<typeof requestRollout>): string =>
  !result.ok && "problem" in result.error ? result.error.problem : "";

describe("asking for a rollout", () => {
  it("puts the new version in green beside the live blue at 0 %, with the endpoint's plan, and posts its card", () => {
    const requested = requestRollout(
      rolloutOf({ endpoint: diabetesProd({ tags: { "greenlight-plan": "25,100" } }) }),
      tctx(),
    );
    if (!requested.ok) throw new Error(JSON.stringify(requested.error));
    const { next, audit, outbox } = requested.value;
    expect(next).toMatchObject({
      phase: "requested",
      version: 1,
      live: "blue",
      liveModel: "diabetes:1",
      candidate: "green",
      startTraffic: { blue: 100 },
      plan: [25, 100],
      requesterConversationId: "personal-alex",
      nextRunAt: T0,
    });
    expect(next.timeline).toEqual([{ at: T0, what: "requested diabetes:2 in green", by: ALEX.person }]);
    expect(audit).toEqual([
      expect.objectContaining({ action: "rollout.request", target: "diabetes-prod", actor: ALEX.person }),
    ]);
    expect(audit[0]?.detail).toBe("rollout 0f0e0d0c: diabetes:2 in green");
    expect(outbox[0]).toMatchObject({ kind: "post_card", notice: { kind: "card", card: "rollout" } });
  });

  it("tells the channels following the endpoint, except the one its card is posted in", () => {
    const requested = requestRollout(rolloutOf(), tctx());
    if (!requested.ok) throw new Error(JSON.stringify(requested.error));
    const told = requested.value.outbox.flatMap((m) =>
      m.kind === "post_notice" && m.notice.kind === "text"
        ? [[m.channel.channelId, unescapeMarkdown(m.notice.text)]]
        : [],
    );
    expect(told).toEqual([["19:ml-platform", "Alex Wilber started a rollout of diabetes:2 to diabetes-prod."]]);
  });

  it("refuses the version the live deployment already serves", () => {
    const requested = requestRollout(rolloutOf({ model: ok({ model: "diabetes", version: "1" }) }), tctx());
    expect(problemOf(requested)).toContain("diabetes:1 is what blue serves already");
  });

  it("refuses a Kubernetes endpoint before anything about the model", () => {
    const requested = requestRollout(
      rolloutOf({
        endpoint: diabetesProd({ computeType: "Kubernetes" }),
        model: err({ code: "model_version_not_found", model: "diabetes", version: "9", known: ["1", "2"] }),
      }),
      tctx(),
    );
    expect(problemOf(requested)).toBe("it is a Kubernetes endpoint, which GreenLight shows read-only");
  });

  it("refuses a split endpoint, a plan that does not end at 100, and having no channel for its card", () => {
    expect(
      problemOf(requestRollout(rolloutOf({ endpoint: diabetesProd({ traffic: { blue: 50, red: 50 } }) }), tctx())),
    ).toContain("split");
    expect(
      problemOf(
        requestRollout(rolloutOf({ endpoint: diabetesProd({ tags: { "greenlight-plan": "10,50" } }) }), tctx()),
      ),
    ).not.toBe("");
    expect(problemOf(requestRollout(rolloutOf({ channel: undefined }), tctx()))).toContain("no release channel");
  });
});

describe("asking to delete an endpoint", () => {
  const dctx = (): DeletionContext => ({
    now: T0,
    correlationId: "test",
    notify: [RELEASE, ML_PLATFORM],
    approvers: [{ id: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02", name: "Megan Bowen" }],
    retryMs: 5000,
  });
  const deletionOf = (endpoint = diabetesProd()) => ({
    id: "0f0e0d0c-0000-4000-8000-0000000000d1",
    requester: ALEX,
    endpoint,
    recentRequests: ok({ blue: 1234 }),
    channel: RELEASE,
  });

  it("keeps what would be lost for the card, as plain text, and waits a day for an approver", () => {
    const requested = requestDeletion(deletionOf(), DAY, dctx());
    if (!requested.ok) throw new Error(JSON.stringify(requested.error));
    const { next, audit, outbox } = requested.value;
    expect(next.preview).toEqual({
      scoringUri: "https://diabetes-prod.eastus.inference.ml.azure.com/score",
      traffic: { blue: 100 },
      deployments: [{ name: "blue", model: "diabetes:1", state: "Succeeded", instances: "2 × Standard_DS3_v2" }],
      recentRequests: { blue: 1234 },
    });
    expect(next).toMatchObject({ phase: "awaiting_approval", expiresAt: new Date(T0.getTime() + DAY) });
    expect(audit[0]).toMatchObject({ action: "deletion.request", detail: "deletion 0f0e0d0c: 1 deployment(s)" });
    // Only the card: the channels hear of a deletion when it ends.
    expect(outbox).toMatchObject([{ kind: "post_card", notice: { kind: "card", card: "deletion" } }]);
  });

  it("refuses a Kubernetes endpoint", () => {
    const requested = requestDeletion(deletionOf(diabetesProd({ computeType: "Kubernetes" })), DAY, dctx());
    expect(requested).toEqual(
      err({
        code: "cannot_delete",
        endpoint: "diabetes-prod",
        problem: "it is a Kubernetes endpoint, which GreenLight shows read-only",
      }),
    );
  });
});
