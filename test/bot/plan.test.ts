// `plan <endpoint>` over the bot's real HTTP path: the endpoint's tags read from the emulator through the real SDK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardOf } from "../support/bot-harness.js";
import { WorkspaceAdmin, cardText, factsOf, lastAudit, only, readReply } from "../support/bot-fixtures.js";
import { anEndpoint } from "../support/rollout-fixtures.js";

let h: BotHarness;
let admin: WorkspaceAdmin;

/** Gives the endpoint its `greenlight-plan` tag in Azure, the way a platform team would (a full PUT). */
async function tagPlan(endpoint: string, plan: string): Promise<void> {
  const { resourceGroup, workspaceName } = h.emulator;
  const current = await admin.client.onlineEndpoints.get(resourceGroup, workspaceName, endpoint);
  await admin.client.onlineEndpoints.beginCreateOrUpdateAndWait(
    resourceGroup,
    workspaceName,
    endpoint,
    { ...current, tags: { ...current.tags, "greenlight-plan": plan } },
    { updateIntervalInMs: 10 },
  );
}

/** The plan card's facts, title → value. */
const factsOfPlan = async (text: string) =>
  Object.fromEntries(factsOf(cardOf(only(await h.say(USERS.viewer, text)))).map((f) => [f.title, f.value]));

beforeAll(async () => {
  h = await BotHarness.start();
  admin = new WorkspaceAdmin(h);
  await anEndpoint(h, admin, "plan-tagged", []);
  await tagPlan("plan-tagged", "25,50,100");
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
    });
    expect(await lastAudit(h)).toMatchObject({ action: "plan", target: "diabetes-prod", outcome: "ok" });
  });

  it("shows the steps of the endpoint's greenlight-plan tag", async () => {
    expect(await factsOfPlan("plan plan-tagged")).toEqual({
      Plan: "greenlight-plan tag: 25,50,100",
      "Step 1": "blue 75 / green 25",
      "Step 2": "blue 50 / green 50",
      "Step 3": "green 100",
    });
  });

  it("says what is wrong with a malformed tag and that deploy would be refused", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "plan plan-malformed")));
    expect(factsOf(card)).toEqual([{ title: "Plan", value: "greenlight-plan tag: 50,10" }]);
    expect(cardText(card)).toContain("Deploy would be refused: tag greenlight-plan is '50,10'");
  });

  it("suggests the endpoint meant by a typo", async () => {
    const text = readReply(only(await h.say(USERS.viewer, "plan diabetes-prd")));
    expect(text).toContain("There is no endpoint named 'diabetes-prd'. Did you mean 'diabetes-prod'?");
  });
});
