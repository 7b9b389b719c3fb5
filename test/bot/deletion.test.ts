// Deleting an endpoint over the real HTTP path: an admin asks, a second person confirms on the card by typing the
// endpoint's name, the worker deletes it in the workspace; every other path deletes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, buttonsOf, cardText, fact, only, readReply } from "../support/bot-fixtures.js";
import type { SentActivity } from "../support/connector-server.js";
import {
  RELEASE_CHANNEL,
  anEndpoint,
  answerText,
  card,
  channelOf,
  clickWith,
  startRolloutHarness,
  waitForRollout,
} from "../support/rollout-fixtures.js";
import type { Deletion } from "../../src/ports/deletions.js";

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

/** The deletion card of an endpoint: its post and its latest version. */
function deletionCard(harness: BotHarness, endpoint: string): { post: SentActivity; latest: Record<string, unknown> } {
  const posts = harness.connector.sent.filter(
    (s) =>
      s.kind === "create" &&
      Array.isArray(s.activity.attachments) &&
      cardText(card(s)).includes(`Delete endpoint ${endpoint}?`),
  );
  const post = posts.at(-1);
  if (!post) throw new Error(`no deletion card for ${endpoint}`);
  const updates = harness.connector.sent.filter((s) => s.conversationId === post.conversationId && s.kind === "update");
  return { post, latest: card(updates.at(-1) ?? post) };
}

async function waitForDeletion(harness: BotHarness, id: string, done: (d: Deletion) => boolean): Promise<Deletion> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await harness.store.getDeletion(id);
    if (d && done(d)) {
      await harness.app.outbox.drain();
      return d;
    }
    if (Date.now() > deadline) throw new Error(`the deletion is ${d?.phase}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function exists(harness: BotHarness, a: WorkspaceAdmin, endpoint: string): Promise<boolean> {
  try {
    await a.client.onlineEndpoints.get(harness.emulator.resourceGroup, harness.emulator.workspaceName, endpoint);
    return true;
  } catch {
    return false;
  }
}

/** Clicks a deletion card's button with the card's own data, typing `confirm` in its box. */
async function press(harness: BotHarness, endpoint: string, user: typeof USERS.admin, title: RegExp, confirm?: string) {
  const { post, latest } = deletionCard(harness, endpoint);
  const button = buttonsOf(latest).find((b) => title.test(b.title));
  if (!button) throw new Error(`no button ${title}`);
  return clickWith(harness, post, user, button.verb, { ...button.data, ...(confirm !== undefined ? { confirm } : {}) });
}

describe("deleting an endpoint", () => {
  it("deletes it once an approver other than the requester confirms by typing its name", async () => {
    await anEndpoint(h, admin, "del-one");
    expect(readReply(only(await h.say(USERS.viewer, "delete del-one")))).toContain(
      "You need the admin role to run `delete`",
    );
    for (let i = 0; i < 2; i++) await h.say(USERS.operator, "invoke del-one sample typical-patient");
    const asked = readReply(only(await h.say(USERS.admin, "delete del-one")));
    expect(asked).toContain(
      "Asked to delete del-one and its 1 deployment(s). Nothing is deleted until an approver other than you confirms " +
        "on the card in the release channel by typing its name.",
    );
    const d = await h.store.pendingDeletion("del-one");
    await h.app.outbox.drain();
    const { post, latest } = deletionCard(h, "del-one");
    expect(channelOf(post)).toBe(RELEASE_CHANNEL);
    expect(fact(latest, "Traffic")).toBe("blue 100");
    expect(fact(latest, "blue")).toBe("diabetes:1 · 100% traffic · Succeeded · 1 × Standard_DS2_v2");
    expect(fact(latest, "Scoring URI")).toMatch(/\/endpoints\/del-one\/score$/);
    // Azure Monitor's RequestsPerMinute of the endpoint, per deployment (the local workspace serves it too).
    expect(fact(latest, "Recent requests")).toBe("blue 2");

    expect(answerText(await press(h, "del-one", USERS.admin, /Delete del-one/, "del-one"))).toContain(
      "You asked for this deletion of del-one, so someone else must approve it",
    );
    expect(answerText(await press(h, "del-one", USERS.viewer, /Delete del-one/, "del-one"))).toContain(
      "You need the approver or admin role to confirm an endpoint's deletion",
    );
    expect(answerText(await press(h, "del-one", USERS.approver, /Delete del-one/, "del-two"))).toContain(
      "Nothing was deleted: to confirm, type the endpoint's name exactly",
    );
    expect(await exists(h, admin, "del-one")).toBe(true);

    const confirmed = await press(h, "del-one", USERS.approver, /Delete del-one/, "del-one");
    expect(answerText(confirmed)).toContain("confirmed the deletion of del-one");
    await waitForDeletion(h, d!.id, (x) => x.phase === "deleted");
    expect(await exists(h, admin, "del-one")).toBe(false);
    const text = cardText(deletionCard(h, "del-one").latest);
    expect(text).toContain("Deleted, as Megan Bowen confirmed");
    expect(buttonsOf(deletionCard(h, "del-one").latest)).toEqual([]);
    const notice = h.connector.sent.filter(
      (s) => s.kind === "create" && channelOf(s) === RELEASE_CHANNEL && !Array.isArray(s.activity.attachments),
    );
    expect(notice.map((s) => readReply(s))).toContain(
      "Endpoint del-one was deleted, as Adele Vance asked and Megan Bowen confirmed.",
    );
    const audit = await h.store.latestAudit({ target: "del-one", limit: 20 });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["deletion.request", "deletion.approve", "deletion.delete"]),
    );

    // The old card's button again: nothing happens.
    const replay = await clickWith(h, post, USERS.approver, "deletion.approve", {
      deletion: d!.id,
      version: d!.version,
      confirm: "del-one",
    });
    expect(answerText(replay)).toContain("the deletion request has ended (deleted)");
  });

  it("keeps the deleted endpoint's samples until an admin removes them", async () => {
    const kept = readReply(only(await h.say(USERS.viewer, "samples del-one")));
    expect(kept).toContain("There is no endpoint named del-one (any more), but its 6 sample(s) are kept");
    expect(readReply(only(await h.say(USERS.operator, "samples remove del-one")))).toContain("You need the admin role");
    expect(readReply(only(await h.say(USERS.admin, "samples remove del-one")))).toContain(
      "Removed 6 sample(s) of del-one.",
    );
    expect(await h.store.listSamples("del-one")).toEqual([]);
  });

  it("deletes nothing when an approver keeps it", async () => {
    await anEndpoint(h, admin, "del-kept");
    await h.say(USERS.admin, "delete del-kept");
    const d = await h.store.pendingDeletion("del-kept");
    await h.app.outbox.drain();
    expect(answerText(await press(h, "del-kept", USERS.approver, /Keep it/))).toContain("kept del-kept");
    await waitForDeletion(h, d!.id, (x) => x.phase === "rejected");
    expect(await exists(h, admin, "del-kept")).toBe(true);
    expect(cardText(deletionCard(h, "del-kept").latest)).toContain("Kept: the deletion was rejected");
  });

  it("refuses to delete an endpoint while a rollout runs on it, naming the rollout", async () => {
    await anEndpoint(h, admin, "del-busy");
    await h.say(USERS.operator, "deploy diabetes:2 to del-busy");
    await waitForRollout(h, "del-busy", (r) => r.phase === "awaiting_approval");
    const text = readReply(only(await h.say(USERS.admin, "delete del-busy")));
    expect(text).toContain("GreenLight will not delete del-busy: a rollout of diabetes:2 is under way");
    expect(await h.store.pendingDeletion("del-busy")).toBeUndefined();
  });

  it("asks in the endpoint's subscribed channel, and tells that channel, not the release channel", async () => {
    const ml = "channel-ml-platform";
    await anEndpoint(h, admin, "del-subscribed");
    expect(readReply(only(await h.say(USERS.admin, "subscribe del-subscribed", { channel: ml })))).toContain(
      "This channel now gets approvals and rollout notifications for del-subscribed",
    );
    const from = h.connector.sent.length;
    expect(readReply(only(await h.say(USERS.admin, "delete del-subscribed")))).toContain(
      "confirms on the card in the channel subscribed to it by typing its name",
    );
    const d = await h.store.pendingDeletion("del-subscribed");
    await h.app.outbox.drain();
    expect(channelOf(deletionCard(h, "del-subscribed").post)).toBe(ml);
    await press(h, "del-subscribed", USERS.approver, /Delete del-subscribed/, "del-subscribed");
    await waitForDeletion(h, d!.id, (x) => x.phase === "deleted");
    const posts = h.connector.sent.slice(from).filter((s) => s.kind === "create");
    expect(posts.map((s) => [channelOf(s), Array.isArray(s.activity.attachments) ? "card" : readReply(s)])).toEqual([
      [ml, "card"],
      [ml, "Endpoint del-subscribed was deleted, as Adele Vance asked and Megan Bowen confirmed."],
    ]);
    // The requester hears it in person too, once.
    const told = h.connector.sent
      .slice(from)
      .filter((s) => s.conversationId === `personal-${USERS.admin.id}` && readReply(s).includes("was deleted"));
    expect(told.map((s) => readReply(s))).toEqual([
      "Endpoint del-subscribed was deleted, as Adele Vance asked and Megan Bowen confirmed.",
    ]);
  });

  it("refuses to delete a Kubernetes endpoint, which GreenLight shows read-only", async () => {
    const name = "del-kubernetes";
    await admin.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      h.emulator.resourceGroup,
      h.emulator.workspaceName,
      name,
      {
        location: h.emulator.location,
        kind: "Kubernetes",
        properties: { authMode: "Key", compute: `${h.emulator.workspaceId}/computes/aks-cluster` },
      },
      { updateIntervalInMs: 10 },
    );
    const text = readReply(only(await h.say(USERS.admin, `delete ${name}`)));
    expect(text).toContain(`GreenLight will not delete ${name}: it is a Kubernetes endpoint`);
    expect(await h.store.pendingDeletion(name)).toBeUndefined();
    expect(await exists(h, admin, name)).toBe(true);
  });
});

describe("an unconfirmed deletion", () => {
  let short: BotHarness;
  let shortAdmin: WorkspaceAdmin;
  beforeAll(async () => {
    short = await startRolloutHarness({ env: { APPROVAL_TTL_SECONDS: "2" } });
    shortAdmin = new WorkspaceAdmin(short);
  });
  afterAll(async () => {
    shortAdmin?.close();
    await short?.close();
  });

  it("expires, deleting nothing", async () => {
    await anEndpoint(short, shortAdmin, "del-expiring");
    await short.say(USERS.admin, "delete del-expiring");
    const d = await short.store.pendingDeletion("del-expiring");
    await waitForDeletion(short, d!.id, (x) => x.phase === "expired");
    expect(await exists(short, shortAdmin, "del-expiring")).toBe(true);
    expect(cardText(deletionCard(short, "del-expiring").latest)).toContain("Kept: no approver confirmed in time");
  });
});
