// Two bot processes on one PostgreSQL database behind a "load balancer" (the test, spreading activities and clicks
// across both), with Teams redelivering every activity to the other one too, and the instance driving the rollouts
// killed with SIGKILL in the middle of a step — after Azure changed the traffic, before the step was recorded. Then a
// new process takes its place. What must hold is what users and operators would see: every rollout finishes, each
// traffic change reaches Azure once (the emulator's write log), every card, thread reply, channel post and direct
// message is sent once, and each activity's effect happens once (replies, audit rows). Skipped unless TEST_DATABASE_URL
// names a database the test may create and drop a schema in (`.ci/run` starts a throwaway server and sets it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, readReply } from "../support/bot-fixtures.js";
import { USERS, channelMessage, personalMessage } from "../support/bot-harness.js";
import { clickOn, waitFor, type BotProcess, type ClickAnswer } from "../support/bot-process.js";
import type { SentActivity } from "../support/connector-server.js";
import { answerText, card, cardMessages, channelOf } from "../support/rollout-fixtures.js";
import {
  accepted,
  anEndpoint,
  buttonOnView,
  cardShows,
  expectFinishedOnce,
  STEPS,
} from "../support/rollout-process-fixtures.js";
import { SharedDatabase } from "../support/shared-database.js";

const databaseUrl = process.env["TEST_DATABASE_URL"];
/** Short, so the survivor takes over the killed instance's rollouts soon. */
const LEASE_MS = "1500";
const ENDPOINTS = ["fleet-alpha", "fleet-bravo", "fleet-charlie"];
/** Where the rollout cards go (subscribed to every endpoint first), and a channel that follows every endpoint. */
const CARDS = "channel-fleet-cards";
const FOLLOWING = "channel-fleet-following";

describe.runIf(databaseUrl)("several instances on one PostgreSQL, one killed mid-rollout", { timeout: 240_000 }, () => {
  let shared: SharedDatabase;
  /** The instances behind the load balancer; the killed one is replaced in place. */
  const bots: BotProcess[] = [];
  let starts = 0;
  const startBot = (): Promise<BotProcess> => shared.startBot(`bot #${++starts}`, { WORKER_LEASE_MS: LEASE_MS });

  beforeAll(async () => {
    shared = await SharedDatabase.create("instances", databaseUrl);
    bots.push(...(await Promise.all([startBot(), startBot()])));
  });
  afterAll(() => shared?.close());

  /**
   * Delivers the activity to instance `i % 2` and, at once, to the other one too (Teams retrying a delivery it
   * thinks was lost). Resolves to both answers, the first instance's first.
   */
  async function deliverTwice(activity: Record<string, unknown>, i: number) {
    const first = bots[i % 2] as BotProcess;
    const second = bots[(i + 1) % 2] as BotProcess;
    return Promise.all([first.post(activity), second.post(activity)]);
  }

  /** What the bot sent in reply to the activity (replies carry its id). */
  const repliesTo = (activity: Record<string, unknown>): string[] =>
    shared.connector.sent.filter((s) => s.kind === "send" && s.activity.replyToId === activity.id).map(readReply);

  /** Clicks the card's button titled `title`, delivered twice; the invoke answers' texts. */
  async function clickTwice(endpoint: string, title: string, i: number): Promise<string[]> {
    const { post, button } = await buttonOnView(bots[i % 2] as BotProcess, shared.connector, endpoint, title);
    const activity = clickOn(shared.connector, post, USERS.approver, button.verb, button.data);
    const answers = await deliverTwice(activity, i);
    return answers.map((a) => answerText(a as ClickAnswer));
  }

  it("handles each activity once, whichever instances it reaches", async () => {
    // Set-up in chat, spread over both instances as well.
    for (const [i, [channel, text]] of [
      [CARDS, "subscribe"],
      [FOLLOWING, "subscribe"],
    ].entries()) {
      const activity = channelMessage(shared.connector.url, USERS.admin, text ?? "", channel);
      await deliverTwice(activity, i);
      expect(repliesTo(activity)).toEqual([expect.stringContaining("for every endpoint")]);
    }
    for (const [i, endpoint] of ENDPOINTS.entries())
      await anEndpoint(shared.admin, bots[i % 2] as BotProcess, endpoint);

    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const deploy = personalMessage(shared.connector.url, USERS.operator, `deploy diabetes:2 to ${endpoint}`);
      const answers = await deliverTwice(deploy, i);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(repliesTo(deploy)).toEqual([expect.stringContaining(`Started the rollout of diabetes:2 to ${endpoint}`)]);
    }
    for (const endpoint of ENDPOINTS) await cardShows(shared.connector, endpoint, "to approve step 1 of 3");

    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const texts = await clickTwice(endpoint, "Approve step 1", i);
      expect(texts.filter((t) => accepted(t, "approved step 1"))).toHaveLength(1);
      expect(texts.filter((t) => t.includes("That click was already handled"))).toHaveLength(1);
    }
    for (const endpoint of ENDPOINTS) {
      await cardShows(shared.connector, endpoint, "to approve step 2 of 3");
      expect(await shared.admin.trafficOf(endpoint)).toEqual(STEPS[0]);
    }
  });

  it("finishes every rollout, each step and message once, when the instance driving them is killed mid-step", async () => {
    // Nothing waits to be sent: a message the killed instance had claimed could not be told sent or not.
    await waitFor(async () => (await unsent()) === 0, "the outbox to be empty");
    // Every ARM call takes 0.8 s: each step is in flight long enough to kill the instance in its middle.
    await shared.admin.injectFault({ kind: "controlPlaneDelay", delayMs: 800, count: 1000 });
    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const texts = await clickTwice(endpoint, "Approve step 2", i);
      expect(texts.filter((t) => accepted(t, "approved step 2"))).toHaveLength(1);
    }
    // The instance that took the first endpoint's step: killed once Azure has that step's traffic, before its worker
    // has read the update's end back and recorded the step.
    const first = ENDPOINTS[0] as string;
    const owner = await waitFor(() => leaseOf(first), `an instance to take ${first}'s step 2`);
    const victim = bots.findIndex((b) => b.workerOwner === owner);
    expect(victim).toBeGreaterThanOrEqual(0);
    await waitFor(
      async () => (await shared.admin.trafficChanges(first)).length === 4,
      `${first}'s step 2 to reach Azure`,
    );
    await bots[victim]?.kill();
    expect(await shared.store.rollouts.current(first)).toMatchObject({ phase: "shifting", step: 1 });
    await shared.admin.clearFaults();

    // The survivor takes the rollouts over once the leases run out; a new instance replaces the killed one.
    const survivor = bots[1 - victim] as BotProcess;
    bots[victim] = await startBot();
    for (const endpoint of ENDPOINTS) {
      await cardShows(shared.connector, endpoint, "to approve step 3 of 3");
      expect(await shared.admin.trafficOf(endpoint)).toEqual(STEPS[1]);
    }

    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const texts = await clickTwice(endpoint, "Approve step 3", i);
      expect(texts.filter((t) => accepted(t, "approved step 3"))).toHaveLength(1);
    }
    for (const endpoint of ENDPOINTS) await cardShows(shared.connector, endpoint, "All traffic on green");
    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const texts = await clickTwice(endpoint, "Retire blue", i + 1);
      expect(texts.filter((t) => accepted(t, "retiring blue"))).toHaveLength(1);
    }
    for (const endpoint of ENDPOINTS) {
      await cardShows(shared.connector, endpoint, "Completed");
      // One card in the cards channel, updated in place; each step's traffic changed once; the requester told once.
      await expectFinishedOnce(shared.admin, shared.connector, endpoint);
      expect(channelOf(cardMessages({ connector: shared.connector }, endpoint).post)).toBe(CARDS);
    }

    // The following channel heard that each rollout started and ended, once each.
    await waitFor(async () => (await unsent()) === 0, "the outbox to be empty");
    const notices = shared.connector.sent
      .filter((s) => s.kind === "create" && channelOf(s) === FOLLOWING)
      .map(readReply);
    expect([...notices].sort()).toEqual(
      ENDPOINTS.flatMap((e) => [
        `Alex Wilber started a rollout of diabetes:2 to ${e}.`,
        `The rollout of diabetes:2 to ${e}, requested by Alex Wilber, is complete.`,
      ]).sort(),
    );
    // Nothing at all was sent twice: no card post, thread reply, channel post, direct message or chat reply.
    expect(duplicates(shared.connector.sent.filter((s) => s.kind !== "update"))).toEqual([]);

    // Each person's action is one audit row, though every activity reached both instances; each step shifted once.
    const audit = (await shared.store.records.latestAudit({ limit: 2000 })).filter((a) =>
      ENDPOINTS.includes(a.target ?? ""),
    );
    for (const endpoint of ENDPOINTS) {
      const rows = (action: string) => audit.filter((a) => a.target === endpoint && a.action === action);
      const byPeople = (action: string) => rows(action).filter((a) => a.actor.id !== "greenlight");
      expect(byPeople("rollout.request").map((a) => a.actor.name)).toEqual(["Alex Wilber"]);
      expect(byPeople("rollout.approve").map((a) => a.actor.name)).toEqual(Array(3).fill("Megan Bowen"));
      expect(byPeople("rollout.retire").map((a) => a.actor.name)).toEqual(["Megan Bowen"]);
      expect(rows("rollout.shift")).toHaveLength(3);
    }
    expect(survivor.problems().filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it("keeps a confirmed deletion with the instance following Azure's delete, though it outlasts a lease", async () => {
    const endpoint = "fleet-delta";
    const [a, b] = bots as [BotProcess, BotProcess];
    await anEndpoint(shared.admin, a, endpoint);
    await a.say(USERS.admin, `delete ${endpoint}`);
    const post = await waitFor(
      () =>
        shared.connector.sent.find(
          (s) =>
            s.kind === "create" &&
            Array.isArray(s.activity.attachments) &&
            cardText(card(s)).includes(`Delete endpoint ${endpoint}?`),
        ),
      "the deletion card",
    );
    const d = await shared.store.deletions.current(endpoint);
    const confirm = { data: { deletion: d?.id, version: d?.version } };
    // Every ARM call takes 2 s: Azure's delete outlasts the 1.5 s lease of the instance that sends it.
    await shared.admin.injectFault({ kind: "controlPlaneDelay", delayMs: 2000, count: 1000 });
    const answer = await b.post(
      clickOn(shared.connector, post, USERS.approver, "deletion.approve", { ...confirm?.data, confirm: endpoint }),
    );
    expect(answerText(answer as ClickAnswer)).toContain(`confirmed the deletion of ${endpoint}`);

    const owners = new Set<string>();
    await waitFor(async () => {
      const [row] = await shared.query<{ phase: string; lease_owner: string | null }>(
        "SELECT phase, lease_owner FROM deletions WHERE endpoint = $1",
        [endpoint],
      );
      if (row?.lease_owner) owners.add(row.lease_owner);
      return row?.phase === "deleted";
    }, `${endpoint} to be deleted`);
    await shared.admin.clearFaults();
    expect(owners.size).toBe(1);
    expect((await shared.admin.writes(endpoint)).filter((w) => w.method === "DELETE")).toHaveLength(1);
  });

  /** The instance holding the endpoint's rollout while it shifts traffic, if one does (read from the database). */
  async function leaseOf(endpoint: string): Promise<string | undefined> {
    const rows = await shared.query<{ lease_owner: string | null }>(
      `SELECT lease_owner FROM rollouts
        WHERE lower(endpoint) = lower($1) AND active AND phase = 'shifting' AND lease_until > now()`,
      [endpoint],
    );
    return rows[0]?.lease_owner ?? undefined;
  }

  /** Outbox messages not sent yet. */
  async function unsent(): Promise<number> {
    const rows = await shared.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL");
    return Number(rows[0]?.n ?? 0);
  }
});

/** Sent activities that went to the same conversation with the same content as an earlier one. */
function duplicates(sent: SentActivity[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const s of sent) {
    const key = `${s.kind} ${s.conversationId}: ${JSON.stringify(s.activity.attachments ?? s.activity.text)}`;
    if (seen.has(key)) twice.push(key.slice(0, 300));
    seen.add(key);
  }
  return twice;
}
