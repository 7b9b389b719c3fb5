// An automatic rollback with two bot processes on one PostgreSQL database: both workers watch the same baking rollout,
// and when its gates breach exactly one of them restores the start — one traffic change in the emulator's write log,
// one audit row, one thread reply, one direct message. Real time: the metrics delay is 0 and the test waits for the
// breaching minute to end. Skipped unless TEST_DATABASE_URL names a database the test may create a schema in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, readReply } from "../support/bot-fixtures.js";
import { USERS } from "../support/bot-harness.js";
import { waitFor, type BotProcess } from "../support/bot-process.js";
import { cardMessages } from "../support/rollout-fixtures.js";
import { BLUE_ONLY, STEPS, anEndpoint, clickOnCard } from "../support/rollout-process-fixtures.js";
import { SharedDatabase } from "../support/shared-database.js";
import { unescapeMarkdown } from "../support/card-markdown.js";

const databaseUrl = process.env["TEST_DATABASE_URL"];
const ENDPOINT = "gates-fleet";
const MINUTE = 60_000;

describe.runIf(databaseUrl)("a breach watched by two instances on one PostgreSQL", { timeout: 240_000 }, () => {
  let shared: SharedDatabase;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    shared = await SharedDatabase.create("gates", databaseUrl);
    const env = { ROLLOUT_BAKE_SECONDS: "600", METRICS_DELAY_SECONDS: "0", GATE_MIN_REQUESTS: "20" };
    bots.push(...(await Promise.all([shared.startBot("bot #1", env), shared.startBot("bot #2", env)])));
  });
  afterAll(() => shared?.close());

  it("restores the start once, and tells each person once", async () => {
    const [first, second] = bots as [BotProcess, BotProcess];
    await anEndpoint(shared.admin, first, ENDPOINT);
    const asked = await second.say(USERS.operator, `deploy diabetes:2 to ${ENDPOINT}`);
    expect(asked.map(readReply).join("\n")).toContain("Started the rollout");
    await waitFor(async () => (await shared.store.rollouts.current(ENDPOINT))?.phase === "awaiting_approval", "step 1");
    await waitFor(async () => {
      try {
        const answer = await clickOnCard(first, shared.connector, ENDPOINT, "Approve step 1");
        return answer.status === 200;
      } catch {
        return false; // the approver's view is not there yet
      }
    }, "the approval of step 1");
    const baking = await waitFor(async () => {
      const r = await shared.store.rollouts.current(ENDPOINT);
      return r?.phase === "baking" ? r : undefined;
    }, "the bake");

    // Green fails every request its clients send during the first whole minute after the step (and a little after).
    await shared.admin.injectFault({ kind: "scoringFailure", endpoint: ENDPOINT, deployment: "green", rate: 1 });
    const payload = (await shared.store.records.listSamples(ENDPOINT))[0]?.payload ?? "";
    const minuteEnds = Math.ceil((baking.appliedAt?.getTime() ?? Date.now()) / MINUTE) * MINUTE + MINUTE;
    while (Date.now() < minuteEnds + 500) {
      await shared.admin.score(ENDPOINT, payload, 5);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ended = await waitFor(
      async () => {
        const r = await shared.store.rollouts.lastEnded(ENDPOINT);
        return r?.phase === "rolled_back" ? r : undefined;
      },
      "the automatic rollback",
      60_000,
    );
    expect(ended.ending?.automatic).toBe(true);
    await shared.admin.clearFaults();

    // One restore reached Azure: the creation, blue 100, step 1, and blue 100 again.
    expect(await shared.admin.trafficChanges(ENDPOINT)).toEqual([{}, BLUE_ONLY, STEPS[0], BLUE_ONLY]);
    const audit = await shared.store.records.latestAudit({ target: ENDPOINT, limit: 200 });
    expect(audit.filter((a) => a.action === "rollout.auto_rollback")).toHaveLength(1);
    await waitFor(() => {
      const { replies } = cardMessages({ connector: shared.connector }, ENDPOINT);
      return replies.some((r) => unescapeMarkdown(cardText(r.activity)).includes("GreenLight rolled back"));
    }, "the approvers' reply");
    const { replies } = cardMessages({ connector: shared.connector }, ENDPOINT);
    expect(
      replies.filter((r) => unescapeMarkdown(cardText(r.activity)).includes("GreenLight rolled back")),
    ).toHaveLength(1);
    const toRequester = shared.connector.sent
      .filter((s) => s.conversationId === `personal-${USERS.operator.id}`)
      .map((s) => unescapeMarkdown(readReply(s)))
      .filter((t) => t.includes("rolled back"));
    expect(toRequester).toHaveLength(1);
  });
});
