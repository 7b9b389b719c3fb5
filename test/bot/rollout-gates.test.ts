// Evidence-gated rollouts over the bot's real path: real scoring requests at the emulator, Azure Monitor's metrics
// route read through @azure/arm-monitor, the worker's gates, the card and the traffic read back through the SDK. The
// bot and the emulator share one clock, which the test moves on so that minutes of metrics settle.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, cardText, only, readReply } from "../support/bot-fixtures.js";
import { unescapeMarkdown } from "../support/card-markdown.js";
import {
  anEndpoint,
  cardMessages,
  clickOnCard,
  latestCard,
  startRolloutHarness,
  waitForRollout,
} from "../support/rollout-fixtures.js";

let h: BotHarness;
let admin: WorkspaceAdmin;
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
let payload = "";

beforeAll(async () => {
  h = await startRolloutHarness({
    clock,
    env: { ROLLOUT_BAKE_SECONDS: "600", METRICS_DELAY_SECONDS: "0", GATE_MIN_REQUESTS: "20" },
  });
  admin = new WorkspaceAdmin(h);
  const [sample] = await h.store.records.listSamples("diabetes-prod");
  payload = sample?.payload ?? "";
});
afterAll(async () => {
  admin?.close();
  await h?.close();
});

const MINUTE = 60_000;

/** Moves the shared clock to `seconds` into the first whole minute after `at`. */
function moveTo(at: Date, minutes: number, seconds: number): void {
  const target = Math.ceil(at.getTime() / MINUTE) * MINUTE + minutes * MINUTE + seconds * 1000;
  offsetMs += Math.max(0, target - clock.now().getTime());
}

/** A rollout of diabetes:2 up to the point where step 1 (blue 90 / green 10) was approved and applied. */
async function stepOneApplied(endpoint: string, tags: Record<string, string> = {}) {
  await anEndpoint(h, admin, endpoint);
  if (Object.keys(tags).length) await admin.setTags(endpoint, tags);
  readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`)));
  await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval", "the first approval");
  await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
}

describe("gates over the emulator's real metrics", () => {
  it("rolls back a failing version during its bake with no click, and the card shows the evidence", async () => {
    const endpoint = "gates-bake-breach";
    await stepOneApplied(endpoint);
    const baking = await waitForRollout(h, endpoint, (x) => x.phase === "baking", "the bake");
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
    expect(cardText(latestCard(h, endpoint))).toContain("Baking step 1 of 3");
    // A click on the next step during the bake changes nothing and says how long is left.
    const early = await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    expect(unescapeMarkdown(JSON.stringify(early.body))).toMatch(/still baking .* \(\d+ min( \d+ s)? left\)/);
    expect((await h.store.rollouts.current(endpoint))?.phase).toBe("baking");

    // Half of green's answers fail; its clients' requests come in during the first whole minute after the step.
    await admin.injectFault({ kind: "scoringFailure", endpoint, deployment: "green", rate: 0.5 });
    moveTo(baking.appliedAt!, 0, 5);
    const statuses = await admin.score(endpoint, payload, 400);
    expect(statuses.filter((s) => s !== 200).length).toBeGreaterThan(5);
    // The minute settles: the worker reads it, sees the breach, and puts the start back without anyone clicking.
    moveTo(baking.appliedAt!, 1, 1);
    const ended = await waitForRollout(h, endpoint, (x) => x.phase === "rolled_back", "the automatic rollback");
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 100 });
    expect(ended.ending?.reason).toMatch(/^GreenLight rolled it back automatically: the failed-request gate breached/);
    expect(ended.evidence?.result).toBe("breach");
    const green = ended.evidence?.figures.candidate;
    expect(green?.requests).toBeGreaterThanOrEqual(20);
    expect((green?.failed ?? 0) / (green?.requests ?? 1)).toBeGreaterThan(0.2);

    const card = unescapeMarkdown(cardText(latestCard(h, endpoint)));
    expect(card).toContain("Rolled back: starting traffic restored");
    expect(card).toMatch(/Gates since \d\d:\d\d UTC: green \(new\) against blue \(live\)/);
    expect(card).toContain("Gates breached by green: failed requests");
    expect(card).toMatch(/Failed share: green \d+\.\d % \(\d+\) · blue \d+\.\d %/);
    // The approvers hear of it in the thread, the requester personally, once each.
    const replies = cardMessages(h, endpoint).replies.map((r) => unescapeMarkdown(cardText(r.activity)));
    const told = replies.filter((r) => r.includes("GreenLight rolled back diabetes:2"));
    expect(told).toHaveLength(1);
    // Every approver but the requester, the one who approved the step included.
    expect(told[0]).toMatch(/Megan Bowen.*Patti Fernandez.*Adele Vance|Patti Fernandez.*Adele Vance.*Megan Bowen/);
    const personal = h.connector.sent.filter(
      (s) => JSON.stringify(s.activity).includes("rolled back") && s.conversationId.includes("personal"),
    );
    expect(personal.length).toBeLessThanOrEqual(1);
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 50 });
    expect(audit.filter((a) => a.action === "rollout.auto_rollback")).toHaveLength(1);
    await admin.clearFaults();
  });

  it("rolls back while the next approval waits, when the bake is over", async () => {
    const endpoint = "gates-wait-breach";
    await stepOneApplied(endpoint, { "greenlight-bake": "0" });
    const waiting = await waitForRollout(
      h,
      endpoint,
      (x) => x.phase === "awaiting_approval" && x.step === 1,
      "the second approval",
    );
    await admin.injectFault({ kind: "scoringFailure", endpoint, deployment: "green", rate: 1 });
    moveTo(waiting.appliedAt!, 0, 5);
    await admin.score(endpoint, payload, 300);
    moveTo(waiting.appliedAt!, 1, 1);
    const ended = await waitForRollout(h, endpoint, (x) => x.phase === "rolled_back", "the automatic rollback");
    expect(ended.approvals).toHaveLength(1);
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 100 });
    await admin.clearFaults();
  });

  it("mirrors traffic to the new deployment first, then moves to live traffic and clears the mirror", async () => {
    const endpoint = "gates-mirror";
    await stepOneApplied(endpoint, { "greenlight-plan": "mirror 20, 10, 100", "greenlight-bake": "0" });
    const mirrored = await waitForRollout(
      h,
      endpoint,
      (x) => x.phase === "awaiting_approval" && x.step === 1,
      "the step after the mirror",
    );
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 100 });
    expect(await admin.mirrorOf(endpoint)).toEqual({ green: 20 });
    // Mirrored requests are scored by green and counted for it; its answers never reach the client.
    moveTo(mirrored.appliedAt!, 0, 5);
    const statuses = await admin.score(endpoint, payload, 200);
    expect(statuses.every((s) => s === 200)).toBe(true);
    moveTo(mirrored.appliedAt!, 1, 1);
    const read = await waitForRollout(
      h,
      endpoint,
      (x) => x.evidence !== undefined && x.evidence.figures.candidate.requests > 0,
      "the gates to read the mirrored minute",
    );
    expect(read.evidence?.figures.live.requests).toBe(200);
    expect(read.evidence?.figures.candidate.requests).toBeGreaterThan(10);
    expect(read.evidence?.figures.candidate.requests).toBeLessThan(90);

    await clickOnCard(h, endpoint, USERS.approver, /Approve step 2/);
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 2, "step 2 applied");
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
    expect(await admin.mirrorOf(endpoint)).toEqual({});
  });

  it("clears the mirror when the rollout is rejected during the mirror step", async () => {
    const endpoint = "gates-mirror-reject";
    await stepOneApplied(endpoint, { "greenlight-plan": "mirror 30, 100", "greenlight-bake": "0" });
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1, "after the mirror");
    expect(await admin.mirrorOf(endpoint)).toEqual({ green: 30 });
    await clickOnCard(h, endpoint, USERS.approver, /Reject/);
    await waitForRollout(h, endpoint, (x) => x.phase === "rejected", "the rejection");
    expect(await admin.mirrorOf(endpoint)).toEqual({});
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 100 });
  });
});
