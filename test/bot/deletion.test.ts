// Deleting an endpoint over the real HTTP path: an admin asks, a second person confirms on the card by typing the
// endpoint's name, the worker deletes it in the workspace; every other path deletes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, buttonsOf, cardText, fact, only, readReply } from "../support/bot-fixtures.js";
import type { Member, SentActivity } from "../support/connector-server.js";
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
    const d = await harness.store.deletions.get(id);
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

/** The deletion card as `user` sees it: the card everyone sees has no buttons, so they ask for their own view. */
async function viewOf(harness: BotHarness, endpoint: string, user: Member): Promise<Record<string, unknown>> {
  const { post, latest } = deletionCard(harness, endpoint);
  const show = buttonsOf(latest).find((b) => b.title === "Show my options");
  if (!show) throw new Error(`no "Show my options" on the deletion card of ${endpoint}`);
  const answer = await clickWith(harness, post, user, show.verb, show.data);
  return answer.body.value as Record<string, unknown>;
}

/** Clicks a button of `user`'s own view of the deletion card, typing `confirm` in its box. */
async function press(harness: BotHarness, endpoint: string, user: Member, title: RegExp, confirm?: string) {
  const { post } = deletionCard(harness, endpoint);
  const button = buttonsOf(await viewOf(harness, endpoint, user)).find((b) => title.test(b.title));
  if (!button) throw new Error(`no button ${title} on ${user.name}'s view`);
  return clickWith(harness, post, user, button.verb, { ...button.data, ...(confirm !== undefined ? { confirm } : {}) });
}

/** A click sent whatever the person's view shows (a forged or replayed card), with the request's current version. */
async function forge(harness: BotHarness, endpoint: string, user: Member, verb: string, confirm?: string) {
  const d = (await harness.store.deletions.current(endpoint)) ?? fail(`no pending deletion of ${endpoint}`);
  const data = { deletion: d.id, version: d.version, ...(confirm !== undefined ? { confirm } : {}) };
  return clickWith(harness, deletionCard(harness, endpoint).post, user, verb, data);
}

const fail = (message: string): never => {
  throw new Error(message);
};

describe("deleting an endpoint", () => {
  const endpoint = "del-one";
  let asked: Deletion;

  it("asks an admin's deletion on a card in the release channel, with what would be lost", async () => {
    await anEndpoint(h, admin, endpoint);
    expect(readReply(only(await h.say(USERS.viewer, `delete ${endpoint}`)))).toContain(
      "You need the admin role to run `delete`",
    );
    for (let i = 0; i < 2; i++) await h.say(USERS.operator, `invoke ${endpoint} sample typical-patient`);
    expect(readReply(only(await h.say(USERS.admin, `delete ${endpoint}`)))).toContain(
      `Asked to delete ${endpoint} and its 1 deployment(s). Nothing is deleted until an approver other than you ` +
        "confirms on the card in the release channel by typing its name.",
    );
    asked = (await h.store.deletions.current(endpoint)) ?? fail("no request");
    await h.app.outbox.drain();
    const { post, latest } = deletionCard(h, endpoint);
    expect(channelOf(post)).toBe(RELEASE_CHANNEL);
    expect(fact(latest, "Traffic")).toBe("blue 100");
    expect(fact(latest, "blue")).toBe("diabetes:1 · 100% traffic · Succeeded · 1 × Standard_DS2_v2");
    expect(fact(latest, "Scoring URI")).toMatch(/\/endpoints\/del-one\/score$/);
    // Azure Monitor's RequestsPerMinute of the endpoint, per deployment (the local workspace serves it too).
    expect(fact(latest, "Recent requests")).toBe("blue 2");
    // Everyone sees it without buttons; approvers ask for their own view (Teams refreshes it for them).
    expect(buttonsOf(latest).map((b) => b.title)).toEqual(["Show my options"]);
  });

  it("offers Delete to approvers other than the requester, and refuses the others' clicks on the server", async () => {
    expect(buttonsOf(await viewOf(h, endpoint, USERS.approver)).map((b) => b.title)).toEqual([
      `Delete ${endpoint}`,
      "Keep it",
    ]);
    expect(buttonsOf(await viewOf(h, endpoint, USERS.admin)).map((b) => b.title)).toEqual(["Keep it"]);
    expect(buttonsOf(await viewOf(h, endpoint, USERS.viewer))).toEqual([]);
    expect(answerText(await forge(h, endpoint, USERS.admin, "deletion.approve", endpoint))).toContain(
      `You asked for this deletion of ${endpoint}, so someone else must approve it`,
    );
    // The requester again under another Teams id (the roster gives the same UPN): still the requester.
    const adeleElsewhere = { ...USERS.admin, id: "user-adelev-phone" };
    h.connector.members.set(adeleElsewhere.id, adeleElsewhere);
    expect(answerText(await forge(h, endpoint, adeleElsewhere, "deletion.approve", endpoint))).toContain(
      "so someone else must approve it",
    );
    expect(answerText(await forge(h, endpoint, USERS.viewer, "deletion.approve", endpoint))).toContain(
      "You need the approver or admin role to confirm an endpoint's deletion",
    );
    expect(await exists(h, admin, endpoint)).toBe(true);
  });

  it("deletes nothing on a wrong name, and keeps what was typed on the card with why", async () => {
    const answer = await press(h, endpoint, USERS.approver, /Delete del-one/, "del-two");
    expect(answerText(answer)).toContain("The name you typed is not del-one");
    const box = (answer.body.value as { body: { id?: string; value?: string }[] }).body.find((e) => e.id === "confirm");
    expect(box?.value).toBe("del-two");
    expect(await exists(h, admin, endpoint)).toBe(true);
  });

  it("deletes it once an approver other than the requester confirms by typing its name, and says so", async () => {
    const confirmed = await press(h, endpoint, USERS.approver, /Delete del-one/, endpoint);
    expect(answerText(confirmed)).toContain(`confirmed the deletion of ${endpoint}`);
    await waitForDeletion(h, asked.id, (x) => x.phase === "deleted");
    expect(await exists(h, admin, endpoint)).toBe(false);
    const { latest } = deletionCard(h, endpoint);
    expect(cardText(latest)).toContain("Deleted, as Megan Bowen confirmed");
    expect(buttonsOf(latest)).toEqual([]);
    const notice = h.connector.sent.filter(
      (s) => s.kind === "create" && channelOf(s) === RELEASE_CHANNEL && !Array.isArray(s.activity.attachments),
    );
    expect(notice.map((s) => readReply(s))).toContain(
      "Endpoint del-one was deleted, as Adele Vance asked and Megan Bowen confirmed.",
    );
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 20 });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["deletion.request", "deletion.approve", "deletion.delete"]),
    );
  });

  it("changes nothing when the old card's button is pressed again", async () => {
    const replay = await clickWith(h, deletionCard(h, endpoint).post, USERS.approver, "deletion.approve", {
      deletion: asked.id,
      version: asked.version,
      confirm: endpoint,
    });
    expect(answerText(replay)).toContain("the deletion request has ended: Deleted");
  });

  it("keeps the deleted endpoint's samples until an admin removes them", async () => {
    const kept = readReply(only(await h.say(USERS.viewer, "samples del-one")));
    expect(kept).toContain("There is no endpoint named del-one (any more), but its 6 sample(s) are kept");
    expect(readReply(only(await h.say(USERS.operator, "samples remove del-one")))).toContain("You need the admin role");
    expect(readReply(only(await h.say(USERS.admin, "samples remove del-one")))).toContain(
      "Removed 6 sample(s) of del-one.",
    );
    expect(await h.store.records.listSamples("del-one")).toEqual([]);
  });

  it("deletes nothing when an approver keeps it, and tells the requester", async () => {
    await anEndpoint(h, admin, "del-kept");
    await h.say(USERS.admin, "delete del-kept");
    const d = await h.store.deletions.current("del-kept");
    await h.app.outbox.drain();
    const from = h.connector.sent.length;
    expect(answerText(await press(h, "del-kept", USERS.approver, /Keep it/))).toContain("kept del-kept");
    await waitForDeletion(h, d!.id, (x) => x.phase === "rejected");
    expect(await exists(h, admin, "del-kept")).toBe(true);
    expect(cardText(deletionCard(h, "del-kept").latest)).toContain("Kept: the deletion was rejected");
    const told = h.connector.sent.slice(from).filter((s) => s.conversationId === `personal-${USERS.admin.id}`);
    expect(told.map((s) => readReply(s))).toEqual([
      "Megan Bowen kept del-kept: your request to delete it was turned down, and nothing was deleted.",
    ]);
  });

  it("refuses a deploy while a deletion of the endpoint waits for its decision, naming the request", async () => {
    await anEndpoint(h, admin, "del-then-deploy");
    await h.say(USERS.admin, "delete del-then-deploy");
    const d = (await h.store.deletions.current("del-then-deploy")) ?? fail("no request");
    const text = readReply(only(await h.say(USERS.operator, "deploy diabetes:2 to del-then-deploy")));
    expect(text).toContain(`GreenLight cannot start a rollout on del-then-deploy: Adele Vance asked to delete it at`);
    expect(text).toContain(`(request ${d.id.slice(0, 8)}) and no approver has decided yet`);
    expect(await h.store.rollouts.current("del-then-deploy")).toBeUndefined();
  });

  it("deletes nothing when the endpoint is no longer what the card showed, and the card says what changed", async () => {
    const name = "del-stale";
    await anEndpoint(h, admin, name);
    await h.say(USERS.admin, `delete ${name}`);
    const d = (await h.store.deletions.current(name)) ?? fail("no request");
    await h.app.outbox.drain();
    // Meanwhile, someone moves the endpoint on in Azure: a new deployment takes all its traffic.
    await admin.createDeployment(name, "green", 2);
    await admin.setTraffic(name, { green: 100 });
    await press(h, name, USERS.approver, new RegExp(`Delete ${name}`), name);
    const ended = await waitForDeletion(h, d.id, (x) => x.phase === "failed");
    expect(ended.ending?.reason).toContain("green (diabetes:2) was added; traffic is green 100 (was blue 100)");
    expect(await exists(h, admin, name)).toBe(true);
    expect(cardText(deletionCard(h, name).latest)).toContain("Nothing was deleted; ask again to see what it is now.");
  });

  it("refuses to delete an endpoint while a rollout runs on it, naming the rollout", async () => {
    await anEndpoint(h, admin, "del-busy");
    await h.say(USERS.operator, "deploy diabetes:2 to del-busy");
    await waitForRollout(h, "del-busy", (r) => r.phase === "awaiting_approval");
    const text = readReply(only(await h.say(USERS.admin, "delete del-busy")));
    expect(text).toContain("GreenLight will not delete del-busy: a rollout of diabetes:2 is under way");
    expect(await h.store.deletions.current("del-busy")).toBeUndefined();
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
    const d = await h.store.deletions.current("del-subscribed");
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
    expect(await h.store.deletions.current(name)).toBeUndefined();
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
    const d = await short.store.deletions.current("del-expiring");
    await waitForDeletion(short, d!.id, (x) => x.phase === "expired");
    expect(await exists(short, shortAdmin, "del-expiring")).toBe(true);
    expect(cardText(deletionCard(short, "del-expiring").latest)).toContain("Kept: no approver confirmed in time");
  });

  it("refuses a confirmation after the expiry though the worker has not recorded it yet", async () => {
    await anEndpoint(short, shortAdmin, "del-late");
    await short.say(USERS.admin, "delete del-late");
    await short.app.outbox.drain();
    // The deletion worker is held (as by a long delete of another endpoint): nobody records the expiry.
    await short.app.deletions.stop();
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const answer = await press(short, "del-late", USERS.approver, /Delete del-late/, "del-late");
    expect(answerText(answer)).toMatch(/That request expired at .* UTC, so nothing was deleted/);
    expect((await short.store.deletions.current("del-late"))?.phase).toBe("awaiting_approval");
    short.app.deletions.start();
    const d = (await short.store.deletions.current("del-late")) ?? fail("no request");
    await waitForDeletion(short, d.id, (x) => x.phase === "expired");
    expect(await exists(short, shortAdmin, "del-late")).toBe(true);
  });
});
