// How the bot behaves when Azure or Teams is slow or failing, and when it shuts down: every turn ends with an answer
// a person can act on, slow card clicks finish on the card, and nothing started is dropped.
import { asMarkdown } from "../support/card-markdown.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import { DeliveryRefused } from "../../src/ports/notifier.js";
import { anEndpoint, startRolloutHarness, waitForRollout } from "../support/rollout-fixtures.js";
import { BotHarness, USERS, cardAction, cardOf, personalMessage } from "../support/bot-harness.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { WorkspaceAdmin, cardText, fact, looksLikeStackTrace, only, readReply } from "../support/bot-fixtures.js";

/** The card an invoke answer puts in place of the clicked one. */
const answerCard = (body: unknown): Record<string, unknown> =>
  (body as { statusCode: number; value: Record<string, unknown> }).value;

describe("when Azure is slow", () => {
  let h: BotHarness;
  let admin: WorkspaceAdmin;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { ARM_TIMEOUT_MS: "2500", CARD_ANSWER_BUDGET_MS: "300" } });
    admin = new WorkspaceAdmin(h);
  });
  afterEach(async () => {
    await admin.clearFaults();
  });
  afterAll(async () => {
    admin?.close();
    await h?.close();
  });

  it("says the workspace did not answer when an ARM call hangs, instead of hanging the turn", async () => {
    await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 5000, count: 100 });
    const text = readReply(only(await h.say(USERS.viewer, "show diabetes-prod")));
    expect(text).toContain("The Azure ML workspace did not answer (no answer in time)");
    await admin.clearFaults();
    expect(fact(cardOf(only(await h.say(USERS.viewer, "show diabetes-prod"))), "Traffic")).toBe("blue 100%");
  });

  it("answers a slow click at once with a working card, then updates the clicked card with the result", async () => {
    await admin.injectFault({ kind: "scoringDelay", endpoint: "diabetes-prod", deployment: "blue", delayMs: 1500 });
    const { invoke, sent } = await h.click(USERS.operator, "invoke", {
      endpoint: "diabetes-prod",
      deployment: "blue",
      sample: "typical-patient",
    });
    expect(cardText(answerCard(invoke.body))).toContain("Working on it…");
    const update = only(sent);
    expect(update.kind).toBe("update");
    expect(update.activity.id).toBe(h.lastCardId);
    expect(readReply(update)).toContain("Invoke · 200 OK");
  });

  it("answers a paging click within the budget while ARM answers 500, and finishes the page in the background", async () => {
    await admin.injectFault({ kind: "controlPlane", status: 500, count: 1 });
    const { invoke, sent } = await h.click(USERS.viewer, "endpoints", { page: 1 });
    expect(cardText(answerCard(invoke.body))).toContain("Working on it…");
    const update = only(sent);
    expect(update.activity.id).toBe(h.lastCardId);
    expect(readReply(update)).toContain("diabetes-prod");
  });
});

describe("when Teams refuses a proactive message", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("reports a direct message Teams refused as not sent, so the outbox keeps it, and posts nothing else in that chat", async () => {
    await h.say(USERS.viewer, "whoami");
    const chat = `personal-${USERS.viewer.id}`;
    const inChat = (from: number) => h.connector.sent.slice(from).filter((s) => s.conversationId === chat);
    const from = h.connector.sent.length;

    h.connector.refuseSends = 1;
    const notice = { kind: "text", text: asMarkdown("Rollout of diabetes-prod finished.") } as const;
    // A refusal the outbox gives up on if it keeps coming; a throttle it only waits out.
    await expect(h.app.bot.notifier.sendToConversation(chat, notice)).rejects.toMatchObject({
      name: "DeliveryRefused",
      status: 403,
    });
    h.connector.throttleSends = 1;
    const throttled = await h.app.bot.notifier.sendToConversation(chat, notice).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(Error);
    expect(throttled).not.toBeInstanceOf(DeliveryRefused);
    expect(inChat(from)).toEqual([]);

    await h.app.bot.notifier.sendToConversation(chat, notice);
    expect(inChat(from).map((s) => s.activity.text)).toEqual(["Rollout of diabetes-prod finished."]);
  });
});

describe("when Teams keeps refusing a rollout's card", () => {
  it("gives the card up after three refusals, says so in the log, and still tells the requester how it ended", async () => {
    const h = await startRolloutHarness();
    const admin = new WorkspaceAdmin(h);
    try {
      await anEndpoint(h, admin, "refused-card", ["typical-patient"]);
      await h.say(USERS.operator, "whoami");
      const toAlex = () => h.connector.sent.filter((s) => s.conversationId === `personal-${USERS.operator.id}`);
      const heardBefore = toAlex().length;
      h.connector.refuseChannelPosts = true;

      await h.say(USERS.operator, "deploy diabetes:2 to refused-card");
      await waitForRollout(h, "refused-card", (r) => r.phase === "awaiting_approval", "the first approval");
      await h.say(USERS.admin, "rollback refused-card");
      await waitForRollout(h, "refused-card", (r) => r.phase === "rolled_back", "the rollback");

      // The post is tried again after 1 s and 2 s, then given up; the card's updates follow it at once.
      const deadline = Date.now() + 20_000;
      while (
        !toAlex()
          .slice(heardBefore)
          .some((s) => readReply(s).includes("was rolled back")) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await h.app.outbox.drain();
      }
      expect(toAlex().slice(heardBefore).map(readReply).join("\n")).toContain(
        "Your rollout of diabetes:2 to refused-card was rolled back.",
      );
      expect(h.connector.sent.filter((s) => s.kind === "create")).toEqual([]);
      const gaveUp = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === "error");
      expect(gaveUp[0]).toMatchObject({
        message: "gave up a message Teams would not take; the subject's later messages go on",
        kind: "post_card",
        attempts: 3,
      });
      expect(String(gaveUp[0]?.error)).toContain("Teams refused the message (403)");
    } finally {
      admin.close();
      await h.close();
    }
  });
});

describe("shutting down", () => {
  it("stops taking new activities first, then finishes the card updates already started", async () => {
    const h = await BotHarness.start({ env: { CARD_ANSWER_BUDGET_MS: "100" } });
    const admin = new WorkspaceAdmin(h);
    try {
      await admin.injectFault({ kind: "scoringDelay", endpoint: "diabetes-prod", deployment: "blue", delayMs: 1500 });
      const click = cardAction(h.connector.url, USERS.operator, "invoke", {
        endpoint: "diabetes-prod",
        deployment: "blue",
        sample: "typical-patient",
      });
      const acknowledged = await h.post(click);
      expect(cardText(answerCard(acknowledged.body))).toContain("Working on it…");
      const closing = h.app.bot.close();
      const late = await h.post(personalMessage(h.connector.url, USERS.viewer, "whoami")).catch(() => undefined);
      // Refused (503) or not connected at all: either way the late message did nothing.
      if (late) expect(late.status).toBe(503);
      await closing;
      const conversation = (click.conversation as { id: string }).id;
      const delivered = h.connector.sent.filter((s) => s.conversationId === conversation);
      expect(readReply(only(delivered))).toContain("Invoke · 200 OK");
      expect(h.connector.sent.some((s) => s.conversationId === `personal-${USERS.viewer.id}`)).toBe(false);
    } finally {
      admin.close();
      await h.close();
    }
  });
});

describe("when the Teams roster fails", () => {
  let h: BotHarness;
  let now = Date.parse("2026-11-29T12:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  beforeAll(async () => {
    h = await BotHarness.start({ clock });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("tells a user named by UPN why their roles are missing, logs it, and tries again soon after", async () => {
    h.connector.failRoster = true;
    const refused = readReply(only(await h.say(USERS.admin, "invoke diabetes-prod sample typical-patient")));
    expect(refused).toContain("You need the operator or admin role");
    expect(refused).toContain("could not read your account from the Teams roster");
    expect(h.logLines.some((l) => l.includes("roster look-up failed"))).toBe(true);

    h.connector.failRoster = false;
    now += 60_000;
    const allowed = cardOf(only(await h.say(USERS.admin, "invoke diabetes-prod sample typical-patient")));
    expect(cardText(allowed)).toContain("200 OK");
  });

  it("tells a user named by object id too, since roles given by UPN add to theirs", async () => {
    h.connector.failRoster = true;
    now += 60_000;
    const text = readReply(only(await h.say(USERS.viewer, "invoke diabetes-prod sample typical-patient")));
    expect(text).toContain("You need the operator or admin role");
    expect(text).toContain("roles given to you by user principal name in the roles file are missing");
    h.connector.failRoster = false;
  });
});

describe("when something nobody planned for fails", () => {
  let h: BotHarness;
  /** Store methods that fail, after a delay, until the test clears them. */
  const failing = new Map<string, number>();
  const failOnDemand = (store: GreenLightStore): GreenLightStore =>
    new Proxy(store, {
      get: (target, part, receiver) =>
        part === "records" ? failingRecords(target.records) : (Reflect.get(target, part, receiver) as unknown),
    });
  const failingRecords = (records: GreenLightStore["records"]): GreenLightStore["records"] =>
    new Proxy(records, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const delayMs = failing.get(String(name));
          if (delayMs === undefined) return (value as (...a: unknown[]) => unknown).apply(target, args);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          throw new Error(`the store broke in ${String(name)}`);
        };
      },
    });
  const refOf = (text: string): string | undefined => /Something went wrong \(ref ([0-9a-f]{8})\)/.exec(text)?.[1];
  /** The correlation id the log gave the failure with this ref. */
  const loggedWith = (ref: string): string[] =>
    h.logLines.filter((l) => l.includes(`"ref":"${ref}"`)).map((l) => (JSON.parse(l) as { message: string }).message);

  beforeAll(async () => {
    h = await BotHarness.start({ env: { CARD_ANSWER_BUDGET_MS: "300" }, wrapStore: failOnDemand });
  });
  afterEach(() => failing.clear());
  afterAll(async () => {
    await h?.close();
  });

  it("answers a failed chat turn with a ref the log has, and no stack", async () => {
    failing.set("latestAudit", 0);
    const text = readReply(only(await h.say(USERS.viewer, "audit")));
    const ref = refOf(text);
    expect(text).toContain("Try again; if it keeps happening, give the platform team this ref.");
    expect(looksLikeStackTrace(text)).toBe(false);
    expect(loggedWith(ref ?? "none")).toEqual(["turn failed"]);
  });

  it("words a click that failed after its answer the same way, with a ref the log has", async () => {
    failing.set("listSamples", 600);
    const { sent } = await h.click(USERS.operator, "invoke", { endpoint: "diabetes-prod", deployment: "blue" });
    const text = readReply(only(sent));
    const ref = refOf(text);
    expect(text).toContain("Try again; if it keeps happening, give the platform team this ref.");
    expect(loggedWith(ref ?? "none")).toEqual(["card action failed"]);
  });
});
