// Rollouts over the bot's real HTTP path: chat and card clicks in, the card and its thread at the local connector, the
// emulator behind the real SDK adapter, a real store, the durable worker. Traffic is read back from the workspace.
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
  settle,
  smokeLines,
  smokeSummary,
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

describe("a two-person rollout", () => {
  const endpoint = "rollout-happy";

  it("deploys diabetes:2 as green, smoke-tests it, shifts traffic on three approvals, and retires blue", async () => {
    await anEndpoint(h, admin, endpoint);
    const started = readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`)));
    expect(started).toContain(`Started the rollout of diabetes:2 to ${endpoint}: green is being created beside blue`);

    let r = await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval", "the first approval");
    expect(r.smoke?.passed).toBe(true);
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    const card = latestCard(h, endpoint);
    expect(cardText(card)).toContain("to approve step 1 of 3 (blue 90 / green 10)");
    expect(fact(card, "Requested by")).toBe("Alex Wilber");
    // Everyone sees the card without decision buttons; the approver's own view has hers.
    expect(buttonsOf(card).map((b) => b.title)).toEqual(["Show my options"]);
    expect(card.refresh).toMatchObject({ action: { verb: "rollout.view" } });
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).map((b) => b.title)).toEqual([
      "Approve step 1",
      "Reject",
    ]);
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.operator)).map((b) => b.title)).toEqual([]);
    // The thread reply @mentions the approvers (a card edit notifies no one).
    const ask = cardMessages(h, endpoint).replies.at(-1);
    expect(JSON.stringify(ask?.activity)).toContain(
      '"mentioned":{"id":"8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02","name":"Megan Bowen"}',
    );

    for (const [step, expected] of [
      [1, { blue: 90, green: 10 }],
      [2, { blue: 10, green: 90 }],
      [3, { green: 100 }],
    ] as const) {
      const answer = await clickOnCard(h, endpoint, USERS.approver, new RegExp(`Approve step ${step}`));
      expect(answer.body.statusCode).toBe(200);
      expect(answerText(answer)).toContain(`approved step ${step}`);
      r = await waitForRollout(
        h,
        endpoint,
        (x) => x.phase === (step === 3 ? "promoted" : "awaiting_approval") && (step === 3 || x.step === step),
        `step ${step}`,
      );
      expect(await trafficOf(endpoint)).toEqual(expected);
      // As Azure said when the step was recorded.
      expect(fact(latestCard(h, endpoint), "Traffic now")).toMatch(
        new RegExp(
          `^${Object.entries(expected)
            .map(([k, v]) => `${k} ${v}`)
            .join(" / ")} \\(read \\d\\d:\\d\\d UTC\\)$`,
        ),
      );
    }

    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).map((b) => b.title)).toEqual([
      "Retire blue",
      "Keep blue",
    ]);
    await clickOnCard(h, endpoint, USERS.approver, /Retire blue/);
    r = await waitForRollout(h, endpoint, (x) => x.phase === "completed", "the retirement");
    const deployments = admin.client.onlineDeployments.list(
      h.emulator.resourceGroup,
      h.emulator.workspaceName,
      endpoint,
    );
    const names: string[] = [];
    for await (const d of deployments) names.push(d.name ?? "");
    expect(names).toEqual(["green"]);

    // One card, updated in place at every phase; the requester heard at the end.
    await settle(h);
    const { post, updates } = cardMessages(h, endpoint);
    const cardId = post.conversationId.split(";messageid=")[1];
    expect(updates.length).toBeGreaterThanOrEqual(8);
    expect(new Set(updates.map((u) => u.activity.id))).toEqual(new Set([cardId]));
    expect(cardText(latestCard(h, endpoint))).toContain("Completed");
    const toAlex = h.connector.sent.filter((s) => s.conversationId === `personal-${USERS.operator.id}`);
    expect(readReply(toAlex.at(-1)!)).toContain(`Your rollout of diabetes:2 to ${endpoint} is complete`);
    expect(r.approvals.map((a) => a.by.name)).toEqual(["Megan Bowen", "Megan Bowen", "Megan Bowen"]);
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 50 });
    expect(audit.filter((a) => a.action === "rollout.approve").map((a) => a.actor.name)).toEqual([
      "Megan Bowen",
      "Megan Bowen",
      "Megan Bowen",
    ]);
  });

  it("shows the rollout in status while it runs, and its last one after", async () => {
    const text = readReply(only(await h.say(USERS.viewer, `status ${endpoint}`)));
    expect(text).toContain(`**${endpoint}** · diabetes:2 · Completed: blue retired`);
  });
});

describe("the smoke test's evidence", () => {
  const endpoint = "rollout-smoke-evidence";

  it("compares diabetes:1 and diabetes:2 as predictions on the six samples: borderline changes label, and it passes", async () => {
    await anEndpoint(h, admin, endpoint);
    await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    const r = await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval", "the first approval");
    expect(r.smoke?.passed).toBe(true);
    const card = latestCard(h, endpoint);
    expect(smokeSummary(card)).toBe(
      "Smoke test: 6 of 6 samples passed on green · 1 of 6 changed label (borderline: 0 → 1) · largest probability change 0.103 (batch-of-3)",
    );
    expect(cardText(card)).toContain(
      "Passed: green answered every sample. Changed labels and numbers do not fail the smoke test; they are for the approver to judge.",
    );
    // Latencies vary; the rest is what the two ONNX models answer.
    const shown = (sample: string): string[] => smokeLines(card, sample).map((l) => l.replace(/ · \d+ ms$/, " · N ms"));
    expect(shown("borderline")).toEqual([
      "borderline: pass · label changed 0 → 1",
      "blue (live): label 0 (0.470) · 200 · N ms",
      "green (new): label 1 (0.481) · 200 · N ms",
    ]);
    expect(shown("typical-patient")).toEqual([
      "typical-patient: pass · same label, probability -0.026",
      "blue (live): label 0 (0.065) · 200 · N ms",
      "green (new): label 0 (0.039) · 200 · N ms",
    ]);
    expect(shown("columns-in-any-order")).toEqual(
      shown("typical-patient").map((l) => l.replace("typical-patient", "columns-in-any-order")),
    );
    expect(shown("high-risk")).toEqual([
      "high-risk: pass · same label, probability +0.025",
      "blue (live): label 1 (0.958) · 200 · N ms",
      "green (new): label 1 (0.983) · 200 · N ms",
    ]);
    expect(shown("many-pregnancies")).toEqual([
      "many-pregnancies: pass · same label, probability +0.052",
      "blue (live): label 1 (0.747) · 200 · N ms",
      "green (new): label 1 (0.799) · 200 · N ms",
    ]);
    expect(shown("batch-of-3")).toEqual([
      "batch-of-3: pass · same labels, probability +0.103 (row 0)",
      "blue (live): labels 1 (0.750), 0 (0.079), 1 (0.751) · 200 · N ms",
      "green (new): labels 1 (0.854), 0 (0.053), 1 (0.797) · 200 · N ms",
    ]);
    expect(cardText(card)).toContain("smoke test passed (6 of 6 samples; 1 changed label)");
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).map((b) => b.title)).toContain("Approve step 1");
  });
});

describe("who may do what", () => {
  const endpoint = "rollout-duties";
  beforeAll(async () => {
    await anEndpoint(h, admin, endpoint);
  });

  it("refuses a deploy from a viewer, and the requester's own approval; another approver may approve", async () => {
    expect(readReply(only(await h.say(USERS.viewer, `deploy diabetes:2 to ${endpoint}`)))).toContain(
      "You need the operator or admin role to run `deploy`",
    );
    // Patti is operator and approver: she may request, but not approve her own rollout.
    await h.say(USERS.operatorApprover, `deploy diabetes:2 to ${endpoint}`);
    const waiting = await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval");
    // Neither is shown the button; a click sent all the same (a forged or replayed card) is refused on the server.
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.operatorApprover)).map((b) => b.title)).toEqual(["Reject"]);
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.viewer))).toEqual([]);
    const { post } = cardMessages(h, endpoint);
    const data = { rollout: waiting.id, step: 0, version: waiting.version };
    const own = await clickWith(h, post, USERS.operatorApprover, "rollout.approve", data);
    expect(answerText(own)).toContain("You asked for this rollout of rollout-duties, so someone else must approve it");
    const viewer = await clickWith(h, post, USERS.viewer, "rollout.approve", data);
    expect(answerText(viewer)).toContain("You need the approver or admin role to approve a rollout step");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    const ok = await clickOnCard(h, endpoint, USERS.approver, /Approve step 1/);
    expect(answerText(ok)).toContain("approved step 1");
    await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1);
    expect(await trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
  });

  it("refuses a second deploy to the same endpoint, naming the rollout under way", async () => {
    const text = readReply(only(await h.say(USERS.operator, `deploy diabetes:3 to ${endpoint}`)));
    expect(text).toContain(`${endpoint} already has a rollout under way: diabetes:2, requested by Patti Fernandez`);
  });

  it("changes nothing for a replayed or stale click", async () => {
    const r = await h.store.rollouts.current(endpoint);
    const { post } = cardMessages(h, endpoint);
    // The step-1 button again: its step and version are no longer the rollout's.
    const replay = await clickWith(h, post, USERS.approver, "rollout.approve", { rollout: r!.id, step: 0, version: 1 });
    expect(answerText(replay)).toContain("Nothing changed: that card is out of date");
    expect((await h.store.rollouts.get(r!.id))?.version).toBe(r!.version);
    expect(await trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
  });

  it("rolls back mid-way: the starting traffic returns and green stays at 0 %", async () => {
    const text = readReply(only(await h.say(USERS.operator, `rollback ${endpoint}`)));
    expect(text).toContain(`Rolling back ${endpoint}: putting back blue 100. green stays at 0 % for inspection.`);
    await waitForRollout(h, endpoint, (x) => x.phase === "rolled_back");
    expect(await trafficOf(endpoint)).toEqual({ blue: 100 });
    expect(cardText(latestCard(h, endpoint))).toContain("Rolled back");
    expect(buttonsOf(latestCard(h, endpoint))).toEqual([]);
  });
});
