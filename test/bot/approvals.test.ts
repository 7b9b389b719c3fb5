// Approvals a team can trust, over the bot's real HTTP path and the local workspace: one person cannot approve their
// own rollout under a second Teams id; a click after the approval's time is refused though the worker could not record
// the expiry; a restore Azure refuses is retried until it succeeds and `rollback` stays available; a paused rollout
// continues from what Azure has or restores the start, never over someone else's change; only the tenants GreenLight
// serves hold roles; and what people type reaches every surface escaped once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, TENANT, USERS, cardOf } from "../support/bot-harness.js";
import { WorkspaceAdmin, buttonsOf, cardText, fact, only, readReply } from "../support/bot-fixtures.js";
import type { Member } from "../support/connector-server.js";
import {
  anEndpoint,
  answerText,
  cardMessages,
  clickOnCard,
  clickWith,
  latestCard,
  settle,
  startRolloutHarness,
  trafficOf as trafficOfEndpoint,
  viewOfCard,
  waitForRollout,
} from "../support/rollout-fixtures.js";

let h: BotHarness;
let admin: WorkspaceAdmin;

beforeAll(async () => {
  h = await startRolloutHarness();
  admin = new WorkspaceAdmin(h);
});
afterAll(async () => {
  admin?.close();
  await h?.close();
});

const trafficOf = (endpoint: string): Promise<Record<string, number>> => trafficOfEndpoint(h, admin, endpoint);

/** Deploys diabetes:2 as `by` and waits for the first approval. */
async function atFirstApproval(endpoint: string, by: Member = USERS.operator): Promise<void> {
  await anEndpoint(h, admin, endpoint, ["typical-patient"]);
  expect(readReply(only(await h.say(by, `deploy diabetes:2 to ${endpoint}`)))).toContain("Started the rollout");
  await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval", "the first approval");
  await settle(h);
}

/** A click on the rollout card's `verb` with the data of the rollout as stored (a forged or replayed card). */
async function forge(endpoint: string, user: Member, verb: string, extra: Record<string, unknown> = {}) {
  const r = await h.store.rollouts.current(endpoint);
  if (!r) throw new Error(`no rollout on ${endpoint}`);
  const data = { rollout: r.id, step: r.step, version: r.version, ...extra };
  return clickWith(h, cardMessages(h, endpoint).post, user, verb, data);
}

const toPerson = (user: Member, from: number): string[] =>
  h.connector.sent
    .slice(from)
    .filter((s) => s.conversationId === `personal-${user.id}`)
    .map((s) => readReply(s));

describe("one person is one person", () => {
  it("refuses the requester's approval under a second Teams id that carries the same object id", async () => {
    const endpoint = "trust-same-object-id";
    // Patti is operator and approver: she may request, and approve others' rollouts.
    await atFirstApproval(endpoint, USERS.operatorApprover);
    const pattiElsewhere = { ...USERS.operatorApprover, id: "user-pattif-second", name: "Patti (web)" };
    h.connector.members.set(pattiElsewhere.id, pattiElsewhere);
    const answer = await forge(endpoint, pattiElsewhere, "rollout.approve");
    expect(answerText(answer)).toContain(`You asked for this rollout of ${endpoint}, so someone else must approve it`);
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 20 });
    expect(audit.filter((a) => a.action === "rollout.approve")).toEqual([]);
  });

  it("refuses a UPN-only admin's approval of their own rollout from a second Teams id the roster resolves to them", async () => {
    const endpoint = "trust-same-upn";
    // Adele is named in the roles file by UPN only.
    await atFirstApproval(endpoint, USERS.admin);
    const adeleElsewhere = {
      ...USERS.admin,
      id: "user-adelev-phone",
      aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e99",
    };
    h.connector.members.set(adeleElsewhere.id, adeleElsewhere);
    expect(buttonsOf(await viewOfCard(h, endpoint, adeleElsewhere)).map((b) => b.title)).not.toContain(
      "Approve step 1",
    );
    const answer = await forge(endpoint, adeleElsewhere, "rollout.approve");
    expect(answerText(answer)).toContain("so someone else must approve it");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
  });

  it("names each person in the audit as separation of duties knows them: object id, tenant and UPN", async () => {
    const endpoint = "trust-same-upn";
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 20 });
    expect(audit.find((a) => a.action === "rollout.approve")?.actor).toEqual({
      id: USERS.approver.id,
      name: "Megan Bowen",
      aadObjectId: USERS.approver.aadObjectId,
      tenantId: TENANT,
      upn: USERS.approver.userPrincipalName,
    });
  });
});

describe("who may act, and who is pinged", () => {
  it("refreshes the card for the people who may act, each into their own view", async () => {
    const endpoint = "trust-refresh";
    await atFirstApproval(endpoint);
    const card = latestCard(h, endpoint);
    const refresh = card.refresh as { action: { verb: string }; userIds?: string[] };
    expect(refresh.action.verb).toBe("rollout.view");
    // Approvers and admins of the roles file, found in the roster by object id or UPN, and the requester.
    expect(new Set(refresh.userIds)).toEqual(
      new Set([USERS.operator.id, USERS.approver.id, USERS.admin.id, USERS.operatorApprover.id]),
    );
  });

  it("pings the approvers who can act, not the requester, and not the approver who just approved", async () => {
    const endpoint = "trust-pings";
    await atFirstApproval(endpoint);
    const mentioned = (reply: { activity: unknown } | undefined): string[] =>
      [...JSON.stringify(reply?.activity).matchAll(/"mentioned":\{"id":"[^"]*","name":"([^"]+)"\}/g)].map(
        (m) => m[1] ?? "",
      );
    expect(mentioned(cardMessages(h, endpoint).replies.at(-1)).sort()).toEqual([
      "Adele Vance",
      "Megan Bowen",
      "Patti Fernandez",
    ]);
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1);
    await settle(h);
    expect(mentioned(cardMessages(h, endpoint).replies.at(-1)).sort()).toEqual(["Adele Vance", "Patti Fernandez"]);
  });
});

describe("expiry at the click", () => {
  let short: BotHarness;
  let shortAdmin: WorkspaceAdmin;
  beforeAll(async () => {
    short = await startRolloutHarness({ env: { APPROVAL_TTL_SECONDS: "2" } });
    shortAdmin = new WorkspaceAdmin(short);
  });
  afterAll(async () => {
    shortAdmin?.close();
    await short?.close();
  });

  it("refuses an approval once its time is up, though Azure's 500s keep the worker from recording the expiry", async () => {
    const endpoint = "trust-expired";
    await anEndpoint(short, shortAdmin, endpoint, ["typical-patient"]);
    await short.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    const r = await waitForRollout(short, endpoint, (x) => x.phase === "awaiting_approval", "the first approval");
    await shortAdmin.injectFault({ kind: "controlPlane", status: 500, count: 1000 });
    try {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, (r.expiresAt?.getTime() ?? 0) - Date.now()) + 300),
      );
      expect((await short.store.rollouts.current(endpoint))?.phase).toBe("awaiting_approval");
      const answer = await clickWith(short, cardMessages(short, endpoint).post, USERS.approver, "rollout.approve", {
        rollout: r.id,
        step: 0,
        version: r.version,
      });
      expect(answerText(answer)).toMatch(/That approval expired at .* UTC, so nothing changed/);
      expect((await short.store.rollouts.get(r.id))?.phase).toBe("awaiting_approval");
    } finally {
      await shortAdmin.clearFaults();
    }
    await waitForRollout(short, endpoint, (x) => x.phase === "expired", "the expiry");
    const e = await shortAdmin.client.onlineEndpoints.get(
      short.emulator.resourceGroup,
      short.emulator.workspaceName,
      endpoint,
    );
    expect(e.properties.traffic).toEqual({ blue: 100 });
  });
});

describe("putting the starting traffic back", () => {
  it("keeps trying while Azure refuses, says so on the card, and `rollback` tries again until it works", async () => {
    const endpoint = "trust-restore";
    await atFirstApproval(endpoint);
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1);
    await admin.injectFault({
      kind: "endpointOperationFailure",
      endpoint,
      code: "EndpointLocked",
      message: "A lock on the endpoint prevents changes (injected fault).",
      count: 1000,
    });
    try {
      const rejected = await clickOnCard(h, endpoint, USERS.approver, /Reject/, { reason: "latency on the canary" });
      expect(answerText(rejected)).toContain("rejected step 2: latency on the canary");
      const failing = await waitForRollout(h, endpoint, (r) => (r.restore?.failures ?? 0) >= 2, "two failed restores");
      expect(failing.phase).toBe("restoring");
      expect(await trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
      await settle(h);
      expect(cardText(latestCard(h, endpoint))).toMatch(/Restoring the starting traffic: Azure refused \d+ time\(s\)/);
      expect(cardText(latestCard(h, endpoint))).toContain("A lock on the endpoint prevents changes");
      // The endpoint still has its rollout: a new deploy is refused, and rollback is there.
      expect(readReply(only(await h.say(USERS.operator, `deploy diabetes:3 to ${endpoint}`)))).toContain(
        "already has a rollout under way",
      );
      expect(readReply(only(await h.say(USERS.operator, `rollback ${endpoint}`)))).toContain(
        `Rolling back ${endpoint}`,
      );
    } finally {
      await admin.clearFaults();
    }
    expect(readReply(only(await h.say(USERS.operator, `rollback ${endpoint}`)))).toContain(`Rolling back ${endpoint}`);
    const done = await waitForRollout(h, endpoint, (r) => r.phase === "rejected", "the restore");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    expect(done.ending?.reason).toBe("Megan Bowen rejected step 2: latency on the canary");
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 50 });
    expect(audit.find((a) => a.action === "rollout.reject")?.detail).toContain("latency on the canary");
  });

  it("does not tell the requester of their own rollback", async () => {
    const endpoint = "trust-own-rollback";
    await atFirstApproval(endpoint);
    const from = h.connector.sent.length;
    await h.say(USERS.operator, `rollback ${endpoint}`);
    await waitForRollout(h, endpoint, (r) => r.phase === "rolled_back");
    await settle(h);
    expect(toPerson(USERS.operator, from).filter((t) => t.includes("was rolled back"))).toEqual([]);
  });
});

describe("a paused rollout", () => {
  it("continues from the traffic Azure has when an approver says so, and the next step starts from there", async () => {
    const endpoint = "trust-continue";
    await atFirstApproval(endpoint, USERS.operatorApprover);
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1);
    await admin.setTraffic(endpoint, { blue: 70, green: 30 });
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    await waitForRollout(h, endpoint, (r) => r.phase === "paused", "the pause");
    await settle(h);
    const paused = latestCard(h, endpoint);
    expect(fact(paused, "Traffic now")).toMatch(/^blue 70 \/ green 30 \(read \d\d:\d\d UTC\)$/);
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).map((b) => b.title)).toEqual([
      "Continue from blue 70 / green 30",
    ]);
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.operator)).map((b) => b.title)).toEqual(["Restore blue 100"]);
    // The requester (an approver too) may not continue it: that would accept a change nobody else approved.
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.operatorApprover)).map((b) => b.title)).toEqual([
      "Restore blue 100",
    ]);
    expect(answerText(await forge(endpoint, USERS.operatorApprover, "rollout.resume"))).toContain(
      "someone else must approve it",
    );
    // Typed, `continue` answers with the caller's own options on the card: the decision is still a click on what it shows.
    expect(buttonsOf(cardOf(only(await h.say(USERS.operator, `continue ${endpoint}`)))).map((b) => b.title)).toEqual([
      "Restore blue 100",
    ]);
    const typed = buttonsOf(cardOf(only(await h.say(USERS.approver, `continue ${endpoint}`))));
    expect(typed.map((b) => b.title)).toEqual(["Continue from blue 70 / green 30"]);

    const [continueButton] = typed;
    if (!continueButton) throw new Error("no Continue button");
    await h.click(USERS.approver, continueButton.verb, continueButton.data);
    const r = await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval", "the next approval");
    expect(readReply(only(await h.say(USERS.approver, `continue ${endpoint}`)))).toContain(
      `GreenLight cannot continue the rollout on ${endpoint} from here: it is not paused (Waiting for`,
    );
    expect(r).toMatchObject({ step: 1, baseline: { step: 1, traffic: { blue: 70, green: 30 } } });
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 2);
    expect(await trafficOf(endpoint)).toEqual({ blue: 10, green: 90 });
  });

  it("restores the start on `rollback`, but pauses rather than remove a third deployment's traffic", async () => {
    const endpoint = "trust-third";
    await atFirstApproval(endpoint);
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1);
    // Someone gives a third deployment 20 % in the Studio while the step waits.
    await admin.createDeployment(endpoint, "red", 1);
    await admin.setTraffic(endpoint, { blue: 70, green: 10, red: 20 });
    await clickOnCard(h, endpoint, USERS.approver, /Reject/);
    const r = await waitForRollout(h, endpoint, (x) => x.phase === "paused", "the pause");
    expect(r.ending?.reason).toContain("not what GreenLight left");
    expect(await trafficOf(endpoint)).toEqual({ blue: 70, green: 10, red: 20 });
    expect(answerText(await forge(endpoint, USERS.approver, "rollout.resume"))).toContain("red takes traffic too");
    // A person who sees it and still wants the start back says so.
    await h.say(USERS.operator, `rollback ${endpoint}`);
    await waitForRollout(h, endpoint, (x) => x.phase === "rolled_back", "the rollback");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
  });
});

describe("tenants", () => {
  const stranger: Member = {
    ...USERS.approver,
    id: "user-megan-elsewhere",
    tenantId: "99999999-0000-4000-8000-000000000009",
  };

  it("gives a person of another tenant no role, and says why", async () => {
    h.connector.members.set(stranger.id, stranger);
    const text = readReply(only(await h.say(stranger, "endpoints")));
    expect(text).toContain("You need the viewer, operator, approver or admin role");
    expect(text).toContain("(tenant 99999999-0000-4000-8000-000000000009) is not one of them");
  });

  it("refuses an approval from an approver's object id in another tenant", async () => {
    const endpoint = "trust-tenant";
    await atFirstApproval(endpoint);
    expect(answerText(await forge(endpoint, stranger, "rollout.approve"))).toContain(
      "You need the approver or admin role",
    );
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
  });

  it("refuses an admin's subscribe from a channel of another tenant", async () => {
    const adminElsewhere: Member = {
      ...USERS.admin,
      id: "user-adele-elsewhere",
      tenantId: "99999999-0000-4000-8000-000000000009",
    };
    h.connector.members.set(adminElsewhere.id, adminElsewhere);
    const text = readReply(only(await h.say(adminElsewhere, "subscribe", { channel: "channel-other-tenant" })));
    expect(text).toContain("You need the admin role");
    expect(await h.store.subscriptions.subscriptionsOf("channel-other-tenant")).toEqual([]);
  });
});

describe("what people type, on every surface", () => {
  it("shows a display name as its own characters on the card, in channel posts and in the thread", async () => {
    const endpoint = "trust-escaped";
    const sneaky: Member = { ...USERS.operatorApprover, name: "**Patti** [approve](https://evil.example)" };
    const from = h.connector.sent.length;
    await atFirstApproval(endpoint, sneaky);
    await h.say(USERS.operator, `rollback ${endpoint}`);
    await waitForRollout(h, endpoint, (r) => r.phase === "rolled_back");
    await settle(h);
    const card = latestCard(h, endpoint);
    expect(fact(card, "Requested by")).toBe("**Patti** [approve](https://evil.example)");
    const posts = h.connector.sent
      .slice(from)
      .filter((s) => s.kind === "create" && !Array.isArray(s.activity.attachments));
    const raw = posts.map((s) => String(s.activity.text));
    expect(raw.some((t) => t.includes("requested by \\*\\*Patti\\*\\* \\[approve\\]\\(https\\:"))).toBe(true);
    expect(raw.join("\n")).not.toContain("\\\\");
    expect(cardOf(cardMessages(h, endpoint).post)).toBeDefined();
  });
});

describe("a restore Azure keeps refusing", () => {
  let held: BotHarness;
  let heldAdmin: WorkspaceAdmin;
  let frozenAt: number | undefined;
  const clock = { now: () => new Date(frozenAt ?? Date.now()) };
  beforeAll(async () => {
    held = await startRolloutHarness({ clock });
    heldAdmin = new WorkspaceAdmin(held);
  });
  afterAll(async () => {
    heldAdmin?.close();
    await held?.close();
  });

  it("is tried again only when its back-off is over, not at once in the same round", async () => {
    const endpoint = "trust-backoff";
    await anEndpoint(held, heldAdmin, endpoint, ["typical-patient"]);
    await held.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    await waitForRollout(held, endpoint, (r) => r.phase === "awaiting_approval", "the first approval");
    await settle(held);
    await clickOnCard(held, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(held, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1, "step 1");
    await heldAdmin.injectFault({ kind: "endpointOperationFailure", endpoint, count: 1000 });
    try {
      await held.say(USERS.operator, `rollback ${endpoint}`);
      const first = await waitForRollout(held, endpoint, (r) => (r.restore?.failures ?? 0) >= 1, "a failed restore");
      // The clock stops: the next attempt's time never comes, so no other attempt may follow.
      frozenAt = Date.now();
      expect(first.restore?.failures).toBeLessThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await held.store.rollouts.current(endpoint))?.restore?.failures).toBe(first.restore?.failures);
      expect(first.nextRunAt?.getTime()).toBeGreaterThan(first.updatedAt.getTime());
    } finally {
      frozenAt = undefined;
      await heldAdmin.clearFaults();
    }
    await held.say(USERS.operator, `rollback ${endpoint}`);
    await waitForRollout(held, endpoint, (r) => r.phase === "rolled_back", "the restore");
  });
});
