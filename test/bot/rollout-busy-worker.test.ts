// The worker drives each rollout on its own: an approved step is taken while another rollout's slow work is under way,
// not after it, however many others are following Azure operations. (`npm run bench` measures the same thing in time:
// last click → traffic applied, with the worker busy.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { waitFor } from "../support/bot-process.js";
import { WorkspaceAdmin, readReply, only } from "../support/bot-fixtures.js";
import {
  anEndpoint,
  answerText,
  clickOnCard,
  startRolloutHarness,
  trafficOf,
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

describe("two rollouts at once", () => {
  const approved = "busy-approved";
  const slow = "busy-slow";

  it("takes an approved step while the other rollout's smoke test is still running", async () => {
    await anEndpoint(h, admin, approved);
    await anEndpoint(h, admin, slow);
    readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${approved}`)));
    await waitForRollout(h, approved, (r) => r.phase === "awaiting_approval", "the first approval");

    // Each of the 6 samples takes 2 s on the slow endpoint's new deployment: its smoke test runs about 12 s.
    await admin.injectFault({ kind: "scoringDelay", endpoint: slow, deployment: "green", delayMs: 2000 });
    readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${slow}`)));
    await waitForRollout(h, slow, (r) => r.phase === "smoke_testing", "the slow smoke test");

    const answer = await clickOnCard(h, approved, USERS.approver, /Approve step 1/);
    expect(answerText(answer)).toContain("approved step 1");
    await waitForRollout(h, approved, (r) => r.phase === "awaiting_approval" && r.step === 1, "step 1");
    expect(await trafficOf(h, admin, approved)).toEqual({ blue: 90, green: 10 });
    expect((await h.store.rollouts.current(slow))?.phase).toBe("smoke_testing");

    await admin.clearFaults();
    await waitForRollout(h, slow, (r) => r.phase === "awaiting_approval", "the slow smoke test to end");
  });
});

describe("many rollouts following Azure operations", () => {
  const approved = "many-approved";
  /** More than the old worker's limit of 10 drives at once. */
  const held = Array.from({ length: 12 }, (_, i) => `many-held-${String.fromCharCode(97 + i)}`);

  it("takes an approved step while a dozen others follow a traffic change Azure has not finished", async () => {
    for (const endpoint of [approved, ...held]) {
      await anEndpoint(h, admin, endpoint);
      readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`)));
    }
    for (const endpoint of [approved, ...held]) {
      await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval", `${endpoint}'s first approval`);
    }
    // Each held endpoint's step 1 is applied, but Azure holds the update: each drive follows it until faults clear.
    for (const endpoint of held) {
      await admin.injectFault({ kind: "provisioningHold", endpoint });
      expect(answerText(await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/))).toContain("approved");
    }
    await waitFor(async () => {
      for (const endpoint of held) if ((await admin.trafficChanges(endpoint)).length < 3) return false;
      return true;
    }, "every held endpoint's traffic change to reach Azure");

    const answer = await clickOnCard(h, approved, USERS.approver, /Approve step 1/);
    expect(answerText(answer)).toContain("approved step 1");
    await waitForRollout(h, approved, (r) => r.phase === "awaiting_approval" && r.step === 1, "step 1");
    expect(await trafficOf(h, admin, approved)).toEqual({ blue: 90, green: 10 });
    for (const endpoint of held) expect((await h.store.rollouts.current(endpoint))?.step).toBe(0);

    await admin.clearFaults();
    for (const endpoint of held) {
      await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval" && r.step === 1, `${endpoint} step 1`);
    }
  });
});
