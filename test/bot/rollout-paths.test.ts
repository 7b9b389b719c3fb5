// The rollout's other paths over the real HTTP path: a failed smoke test and its override, a provisioning failure,
// Azure failing the traffic update, traffic changed behind GreenLight's back, rejection and expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, buttonsOf, cardText, fact, only, readReply } from "../support/bot-fixtures.js";
import {
  anEndpoint,
  answerText,
  cardMessages,
  clickOnCard,
  clickWith,
  latestCard,
  smokeLines,
  smokeSummary,
  startRolloutHarness,
  trafficOf as trafficOfEndpoint,
  waitForRollout,
  viewOfCard,
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

/** Deploys diabetes:<version> to a new endpoint and waits for the first approval. */
async function atFirstApproval(endpoint: string, version = 2, samples?: string[]): Promise<void> {
  await anEndpoint(h, admin, endpoint, samples);
  await h.say(USERS.operator, `deploy diabetes:${version} to ${endpoint}`);
  await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval", "the first approval");
}

describe("a failed smoke test", () => {
  const endpoint = "paths-smoke";

  it("blocks the first approval when diabetes:3 fails the many-pregnancies sample, until an admin overrides", async () => {
    await atFirstApproval(endpoint, 3, ["typical-patient", "many-pregnancies"]);
    const card = latestCard(h, endpoint);
    expect(smokeSummary(card)).toBe(
      "Smoke test: 1 of 2 samples passed on green (failed: many-pregnancies) · 0 of 1 compared changed label · largest probability change 0.027 (typical-patient)",
    );
    expect(cardText(card)).toContain(
      "Failed: green must answer every stored sample with 2xx, so step 1 needs an admin's override with a reason.",
    );
    // What the scoring container said, not only its status.
    expect(smokeLines(card, "many-pregnancies").map((l) => l.replace(/ · \d+ ms$/, " · N ms"))).toEqual([
      "many-pregnancies: FAIL · green answered 424",
      "blue (live): label 1 (0.747) · 200 · N ms",
      "green (new): 424 Model error: the scoring container answered 500 · N ms",
      "green: An unexpected error occurred in scoring script. Check the logs for more info.",
    ]);
    expect(smokeLines(card, "typical-patient")[0]).toBe("typical-patient: pass · same label, probability -0.027");
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.admin)).map((b) => b.title)).toEqual([
      "Reject",
      "Override smoke test",
    ]);
    // An approver who is not an admin is not offered the override; the requester (an operator) nothing at all.
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).map((b) => b.title)).toEqual(["Reject"]);
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.operator))).toEqual([]);
    // The admins are pinged in the card's thread, not the approvers: the override is theirs.
    const ask = cardMessages(h, endpoint).replies.at(-1);
    expect(JSON.stringify(ask?.activity)).toContain('"name":"Adele Vance"');
    expect(JSON.stringify(ask?.activity)).not.toContain('"name":"Megan Bowen"');

    // A forged approval (the button is not on the card) is refused on the server too.
    const r = await h.store.rollouts.current(endpoint);
    const { post } = cardMessages(h, endpoint);
    const forged = await clickWith(h, post, USERS.approver, "rollout.approve", {
      rollout: r!.id,
      step: 0,
      version: r!.version,
    });
    expect(answerText(forged)).toContain("Blocked by the smoke test");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });

    const noReason = await clickOnCard(h, endpoint, USERS.admin, /Override/, { reason: "" });
    expect(answerText(noReason)).toContain("That card action is not valid");
    const notAdmin = await clickWith(h, post, USERS.approver, "rollout.override", {
      rollout: r!.id,
      step: 0,
      version: r!.version,
      reason: "looks fine to me",
    });
    expect(answerText(notAdmin)).toContain("You need the admin role to override a failed smoke test");
    const overridden = await clickOnCard(h, endpoint, USERS.admin, /Override/, {
      reason: "v3 caps pregnancies; known",
    });
    expect(answerText(overridden)).toContain("overrode the failed smoke test: v3 caps pregnancies; known");
    await waitForRollout(h, endpoint, (x) => x.override !== undefined);
    expect(fact(latestCard(h, endpoint), "Smoke test overridden by")).toBe("Adele Vance: v3 caps pregnancies; known");
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 20 });
    expect(audit.find((a) => a.action === "rollout.override")).toMatchObject({ actor: { name: "Adele Vance" } });

    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1);
    expect(await trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
  });
});

describe("a provisioning failure", () => {
  const endpoint = "paths-provisioning";

  it("ends the rollout as failed, with the log tail on the card and the traffic untouched", async () => {
    await anEndpoint(h, admin, endpoint);
    await admin.injectFault({ kind: "provisioningFailure", endpoint, deployment: "green" });
    try {
      await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
      const r = await waitForRollout(h, endpoint, (x) => x.phase === "failed", "the failure");
      expect(r.ending?.reason).toContain("green failed to provision");
      const text = cardText(latestCard(h, endpoint));
      expect(text).toContain("Failed");
      expect(text).toContain("traffic was not touched");
      expect(text).toMatch(/readiness probe|injected fault/i);
      expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    } finally {
      await admin.clearFaults();
    }
  });
});

describe("when Azure fails the traffic update", () => {
  const endpoint = "paths-throttled";

  it("retries 429 and 500 and still applies the step", async () => {
    await atFirstApproval(endpoint);
    await admin.injectFault({ kind: "controlPlane", status: 429, count: 1 });
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1, "step 1 after a 429");
    expect(await trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
    await admin.injectFault({ kind: "controlPlane", status: 500, count: 2 });
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 2, "step 2 after 500s");
    expect(await trafficOf(endpoint)).toEqual({ blue: 10, green: 90 });
  });
});

describe("traffic changed outside GreenLight", () => {
  const endpoint = "paths-drift";

  it("pauses the rollout and says what it found instead of overwriting it", async () => {
    await atFirstApproval(endpoint);
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1);
    // Someone moves traffic in the Studio.
    await admin.setTraffic(endpoint, { blue: 50, green: 50 });
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    const r = await waitForRollout(h, endpoint, (x) => x.phase === "paused", "the pause");
    expect(r.ending?.reason).toContain("blue 50 / green 50, not blue 90 / green 10");
    expect(await trafficOf(endpoint)).toEqual({ blue: 50, green: 50 });
    expect(cardText(latestCard(h, endpoint))).toContain("someone changed it outside GreenLight");
  });
});

describe("rejection", () => {
  const endpoint = "paths-reject";

  it("ends the rollout and restores the starting traffic", async () => {
    await atFirstApproval(endpoint);
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1);
    expect(await trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
    const answer = await clickOnCard(h, endpoint, USERS.approver, /Reject/);
    expect(answerText(answer)).toContain("rejected step 2");
    await waitForRollout(h, endpoint, (x) => x.phase === "rejected");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    expect(cardText(latestCard(h, endpoint))).toContain("Rejected: starting traffic restored");
    const toAlex = h.connector.sent.filter((s) => s.conversationId === `personal-${USERS.operator.id}`);
    expect(readReply(toAlex.at(-1)!)).toContain(`Your rollout of diabetes:2 to ${endpoint} was rejected`);
  });
});

describe("expiry", () => {
  let short: BotHarness;
  let shortAdmin: WorkspaceAdmin;
  beforeAll(async () => {
    // Two seconds to approve.
    short = await startRolloutHarness({ env: { APPROVAL_TTL_SECONDS: "2" } });
    shortAdmin = new WorkspaceAdmin(short);
  });
  afterAll(async () => {
    shortAdmin?.close();
    await short?.close();
  });

  it("expires an unanswered approval, puts the starting traffic back, and refuses the late click", async () => {
    const endpoint = "paths-expiry";
    await anEndpoint(short, shortAdmin, endpoint);
    expect(readReply(only(await short.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`)))).toContain("Started");
    await waitForRollout(short, endpoint, (x) => x.phase === "expired", "the expiry");
    const e = await shortAdmin.client.onlineEndpoints.get(
      short.emulator.resourceGroup,
      short.emulator.workspaceName,
      endpoint,
    );
    expect(e.properties.traffic).toMatchObject({ blue: 100 });
    expect(cardText(latestCard(short, endpoint))).toContain("Expired");
    const late = await clickWith(short, cardMessages(short, endpoint).post, USERS.approver, "rollout.approve", {
      rollout: (await short.store.rollouts.lastEnded(endpoint))!.id,
      step: 0,
      version: 4,
    });
    expect(answerText(late)).toContain("the rollout has ended (expired)");
  });
});

describe("where a rollout cannot start, and a plan of the endpoint's own", () => {
  it("refuses a model version that is not registered, naming the ones there are", async () => {
    await anEndpoint(h, admin, "paths-unregistered");
    const text = readReply(only(await h.say(USERS.operator, "deploy diabetes:9 to paths-unregistered")));
    expect(text).toContain("Model diabetes has no registered version 9. Its versions: 3, 2, 1.");
    expect(await h.store.rollouts.current("paths-unregistered")).toBeUndefined();
  });

  it("refuses to roll out the version the live deployment serves already", async () => {
    await anEndpoint(h, admin, "paths-same-version");
    const text = readReply(only(await h.say(USERS.operator, "deploy diabetes:1 to paths-same-version")));
    expect(text).toContain(
      "GreenLight cannot start a rollout on paths-same-version: diabetes:1 is what blue serves already",
    );
    expect(await h.store.rollouts.current("paths-same-version")).toBeUndefined();
  });

  it("refuses a Kubernetes endpoint, which GreenLight shows read-only", async () => {
    const name = "paths-kubernetes";
    await admin.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      h.emulator.resourceGroup,
      h.emulator.workspaceName,
      name,
      {
        location: h.emulator.location,
        kind: "Kubernetes",
        properties: { authMode: "Key", compute: `${h.emulator.workspaceId}/computes/aks-cluster` },
      },
      { updateIntervalInMs: 10 },
    );
    const text = readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${name}`)));
    expect(text).toContain(`GreenLight cannot start a rollout on ${name}: it is a Kubernetes endpoint`);
  });

  it("follows the plan in the endpoint's greenlight-plan tag", async () => {
    const endpoint = "paths-plan";
    await anEndpoint(h, admin, endpoint);
    const current = await admin.client.onlineEndpoints.get(
      h.emulator.resourceGroup,
      h.emulator.workspaceName,
      endpoint,
    );
    await admin.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      h.emulator.resourceGroup,
      h.emulator.workspaceName,
      endpoint,
      { ...current, tags: { ...current.tags, "greenlight-plan": "50,100" } },
      { updateIntervalInMs: 10 },
    );
    await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval");
    expect(cardText(latestCard(h, endpoint))).toContain("step 1 of 2 (blue 50 / green 50)");
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1);
    expect(await trafficOf(endpoint)).toEqual({ blue: 50, green: 50 });
    await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    await waitForRollout(h, endpoint, (r) => r.phase === "promoted");
    expect(await trafficOf(endpoint)).toEqual({ green: 100 });
  });
});
