// Channel subscriptions over the real HTTP path: an admin subscribes a channel to an endpoint (or to all), and that
// endpoint's rollout cards and notifications go there and nowhere else; the release channel stays the default.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, only, readReply } from "../support/bot-fixtures.js";
import {
  RELEASE_CHANNEL,
  anEndpoint,
  cardMessages,
  channelOf,
  startRolloutHarness,
  waitForRollout,
} from "../support/rollout-fixtures.js";

const ML = "channel-ml-platform";
const OPS = "channel-ops";

let h: BotHarness;
let admin: WorkspaceAdmin;

beforeAll(async () => {
  h = await startRolloutHarness();
  admin = new WorkspaceAdmin(h);
  for (const name of ["sub-one", "sub-two", "sub-three"]) await anEndpoint(h, admin, name);
});
afterAll(async () => {
  admin?.close();
  await h?.close();
});

/** What the bot posted as new threads in a channel since `from`: card posts and notices, as text. */
function postsIn(channel: string, from = 0): string[] {
  return h.connector.sent
    .slice(from)
    .filter((s) => s.kind === "create" && channelOf(s) === channel)
    .map((s) => readReply(s));
}

async function deployAndRollBack(endpoint: string): Promise<void> {
  expect(readReply(only(await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`)))).toContain("Started");
  await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval");
  await h.say(USERS.operator, `rollback ${endpoint}`);
  await waitForRollout(h, endpoint, (r) => r.phase === "rolled_back");
}

describe("subscribing a channel", () => {
  it("is for admins, in a channel", async () => {
    expect(readReply(only(await h.say(USERS.viewer, "subscribe sub-one", { channel: ML })))).toContain(
      "You need the admin role to run `subscribe`",
    );
    expect(readReply(only(await h.say(USERS.admin, "subscribe sub-one")))).toContain(
      "Run `subscribe` in the channel it is about",
    );
    expect(readReply(only(await h.say(USERS.admin, "subscribe no-such-endpoint", { channel: ML })))).toContain(
      "There is no endpoint named 'no-such-endpoint'",
    );
  });

  it("sends an endpoint's rollout card and notifications to the subscribed channel, and nowhere else", async () => {
    expect(readReply(only(await h.say(USERS.admin, "subscribe sub-one", { channel: ML })))).toContain(
      "This channel now gets approvals and rollout notifications for sub-one",
    );
    expect(readReply(only(await h.say(USERS.admin, "subscriptions", { channel: ML })))).toContain("sub-one (since");
    const from = h.connector.sent.length;
    await deployAndRollBack("sub-one");
    expect(channelOf(cardMessages(h, "sub-one").post)).toBe(ML);
    const inMl = postsIn(ML, from);
    expect(inMl.some((t) => t.includes("Rollout of diabetes:2 to sub-one"))).toBe(true);
    expect(
      inMl.some((t) => t.includes("The rollout of diabetes:2 to sub-one, requested by Alex Wilber, was rolled back")),
    ).toBe(true);
    expect(postsIn(RELEASE_CHANNEL, from)).toEqual([]);
  });

  it("leaves other endpoints in the release channel", async () => {
    const from = h.connector.sent.length;
    await deployAndRollBack("sub-two");
    expect(channelOf(cardMessages(h, "sub-two").post)).toBe(RELEASE_CHANNEL);
    expect(postsIn(ML, from)).toEqual([]);
    expect(postsIn(RELEASE_CHANNEL, from).some((t) => t.includes("was rolled back"))).toBe(true);
  });

  it("sends every endpoint to a channel subscribed to all, and tells the others a rollout started", async () => {
    expect(readReply(only(await h.say(USERS.admin, "subscribe", { channel: OPS })))).toContain("for every endpoint");
    const from = h.connector.sent.length;
    await deployAndRollBack("sub-three");
    expect(channelOf(cardMessages(h, "sub-three").post)).toBe(OPS);
    expect(postsIn(ML, from)).toEqual([]);
    // sub-one follows in both channels: its card goes to the channel subscribed to it, OPS hears of it.
    const before = h.connector.sent.length;
    await h.say(USERS.operator, "deploy diabetes:2 to sub-one");
    await waitForRollout(h, "sub-one", (r) => r.phase === "awaiting_approval");
    expect(postsIn(ML, before).some((t) => t.includes("Rollout of diabetes:2 to sub-one"))).toBe(true);
    expect(postsIn(OPS, before)).toEqual(["Alex Wilber started a rollout of diabetes:2 to sub-one."]);
  });

  it("keeps a rollout's card where it started after the channel unsubscribes, and sends the next one to the default", async () => {
    expect(readReply(only(await h.say(USERS.admin, "unsubscribe sub-one", { channel: ML })))).toContain(
      "This channel no longer gets approvals and rollout notifications for sub-one",
    );
    expect(readReply(only(await h.say(USERS.admin, "unsubscribe sub-one", { channel: ML })))).toContain(
      "This channel was not subscribed to sub-one",
    );
    // The rollout started before keeps its card in ML: its rollback updates that card, and OPS (subscribed to all) hears.
    const from = h.connector.sent.length;
    await h.say(USERS.operator, "rollback sub-one");
    await waitForRollout(h, "sub-one", (r) => r.phase === "rolled_back");
    const thread = h.connector.sent.slice(from).filter((s) => s.kind === "update");
    expect(thread.length).toBeGreaterThan(0);
    expect(thread.every((s) => s.conversationId.startsWith(`${ML};`))).toBe(true);
    expect(postsIn(OPS, from).some((t) => t.includes("sub-one") && t.includes("was rolled back"))).toBe(true);
  });
});
