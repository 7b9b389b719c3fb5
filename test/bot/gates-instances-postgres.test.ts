// A mirror step and an automatic rollback with two bot processes on one PostgreSQL database: the mirror is set once and
// cleared once; both workers watch the same baking rollout, and when its gates breach exactly one of them restores the
// start — one traffic change in the emulator's write log, one audit row, one thread reply, one direct message. Real time: the metrics delay is 0 and the test waits for the
// breaching minute to end. Skipped unless TEST_DATABASE_URL names a database the test may create a schema in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, readReply } from "../support/bot-fixtures.js";
import { USERS } from "../support/bot-harness.js";
import { waitFor, type BotProcess } from "../support/bot-process.js";
import { cardMessages } from "../support/rollout-fixtures.js";
import { BLUE_ONLY, STEPS, anEndpoint, buttonOnView } from "../support/rollout-process-fixtures.js";
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

  /** Clicks `title` on `user`'s view through `bot`, with `reason` typed when given, once the view offers it. */
  const click = (
    bot: BotProcess,
    title: string,
    user: typeof USERS.approver = USERS.approver,
    reason?: string,
  ): Promise<boolean> =>
    waitFor(async () => {
      try {
        const { post, button } = await buttonOnView(bot, shared.connector, ENDPOINT, title, user);
        const answer = await bot.click(post, user, button.verb, { ...button.data, ...(reason ? { reason } : {}) });
        return answer.status === 200;
      } catch {
        return false; // the view does not offer it yet
      }
    }, `"${title}"`);
  const phaseIs = (phase: string, step: number) =>
    waitFor(
      async () => {
        const r = await shared.store.rollouts.current(ENDPOINT);
        return r?.phase === phase && r.step === step ? r : undefined;
      },
      `${phase} at step ${step + 1}`,
    );

  it("sets and clears the mirror once, restores the start once, and tells each person once", async () => {
    const [first, second] = bots as [BotProcess, BotProcess];
    await anEndpoint(shared.admin, first, ENDPOINT);
    await shared.admin.setTags(ENDPOINT, { "greenlight-plan": "mirror 20, 10, 100" });
    const asked = await second.say(USERS.operator, `deploy diabetes:2 to ${ENDPOINT}`);
    expect(asked.map(readReply).join("\n")).toContain("Started the rollout");
    await phaseIs("awaiting_approval", 0);
    // The mirror step, approved on one instance; its bake ended early by the admin on the other.
    await click(first, "Approve step 1");
    await phaseIs("baking", 0);
    expect(await shared.admin.mirrorOf(ENDPOINT)).toEqual({ green: 20 });
    await click(second, "End bake now", USERS.admin, "mirrored answers look right");
    await phaseIs("awaiting_approval", 1);
    await click(second, "Approve step 2");
    const baking = await phaseIs("baking", 1);
    expect(await shared.admin.mirrorOf(ENDPOINT)).toEqual({});

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

    // Each change reached Azure once: the creation, blue 100, the tags, the mirror, step 2, and blue 100 again.
    expect(await shared.admin.trafficChanges(ENDPOINT)).toEqual([
      {},
      BLUE_ONLY,
      BLUE_ONLY,
      BLUE_ONLY,
      STEPS[0],
      BLUE_ONLY,
    ]);
    expect(await shared.admin.mirrorChanges(ENDPOINT)).toEqual([{}, {}, {}, { green: 20 }, {}, {}]);
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
