// `plan <endpoint>` over the bot's real HTTP path: the endpoint's tags read from the emulator through the real SDK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardOf } from "../support/bot-harness.js";
import { WorkspaceAdmin, cardText, factsOf, lastAudit, only, readReply } from "../support/bot-fixtures.js";
import { anEndpoint } from "../support/rollout-fixtures.js";

let h: BotHarness;
let admin: WorkspaceAdmin;

/** Gives the endpoint its `greenlight-plan` tag (and others) in Azure, the way a platform team would (a full PUT). */
async function tagPlan(endpoint: string, plan: string, more: Record<string, string> = {}): Promise<void> {
  await admin.setTags(endpoint, { "greenlight-plan": plan, ...more });
}

/** The gates' lines where the endpoint sets none (the test bot bakes no step). */
const DEFAULT_GATES = {
  Bake: "none (default)",
  "Failed requests": "new at most live + 1 pt, or 2 % when that is higher (default)",
  "p95 latency": "new at most 1.5 × live + 20 ms (default)",
  "Evidence needed": "50 requests to the new deployment in the window before a gate passes or breaches (default)",
};

/** The plan card's facts, title → value. */
const factsOfPlan = async (text: string) =>
  Object.fromEntries(factsOf(cardOf(only(await h.say(USERS.viewer, text)))).map((f) => [f.title, f.value]));

beforeAll(async () => {
  h = await BotHarness.start();
  admin = new WorkspaceAdmin(h);
  await anEndpoint(h, admin, "plan-tagged", []);
  await tagPlan("plan-tagged", "mirror 10, 25, 50, 100", { "greenlight-bake": "15m", "greenlight-gates": "p95-ms=50" });
  await anEndpoint(h, admin, "plan-malformed", []);
  await tagPlan("plan-malformed", "50,10");
});
afterAll(async () => {
  await h?.close();
});

describe("plan", () => {
  it("shows a viewer the default steps on an untagged endpoint, between its live blue and green", async () => {
    expect(await factsOfPlan("plan diabetes-prod")).toEqual({
      Plan: "default (no greenlight-plan tag)",
      "Step 1": "blue 90 / green 10",
      "Step 2": "blue 10 / green 90",
      "Step 3": "green 100",
      ...DEFAULT_GATES,
    });
    expect(await lastAudit(h)).toMatchObject({ action: "plan", target: "diabetes-prod", outcome: "ok" });
  });

  it("shows the steps, the bake and the gates of the endpoint's tags, saying what is default", async () => {
    expect(await factsOfPlan("plan plan-tagged")).toEqual({
      Plan: "greenlight-plan tag: mirror 10, 25, 50, 100",
      "Step 1": "mirror 10 % to green (blue 100)",
      "Step 2": "blue 75 / green 25",
      "Step 3": "blue 50 / green 50",
      "Step 4": "green 100",
      ...DEFAULT_GATES,
      Bake: "15 min (tag greenlight-bake)",
      "p95 latency": "new at most 1.5 × live + 50 ms (tag greenlight-gates; p95-ratio default)",
    });
  });

  it("says what is wrong with a malformed tag and that deploy would be refused", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "plan plan-malformed")));
    expect(factsOf(card)).toEqual([
      { title: "Plan", value: "greenlight-plan tag: 50,10" },
      ...Object.entries(DEFAULT_GATES).map(([title, value]) => ({ title, value })),
    ]);
    expect(cardText(card)).toContain("Deploy would be refused: tag greenlight-plan is '50,10'");
  });

  it("suggests the endpoint meant by a typo", async () => {
    const text = readReply(only(await h.say(USERS.viewer, "plan diabetes-prd")));
    expect(text).toContain("There is no endpoint named 'diabetes-prd'. Did you mean 'diabetes-prod'?");
  });
});
