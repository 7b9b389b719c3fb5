// Activities a connector (or, in local mode, anyone who reaches the port) may send that GreenLight must not act on:
// malformed ones get 400 naming the field before anything runs, and none may leave behind a conversation reference
// that later messages to that chat would fail through. Types and invokes GreenLight does not handle get Teams' answer
// (200, or 501 for an invoke) without anything run, said or stored.
import { asMarkdown } from "../support/card-markdown.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, cardAction, personalMessage, type PostResult } from "../support/bot-harness.js";
import { auditCount, looksLikeStackTrace, only, readReply } from "../support/bot-fixtures.js";
import type { Member } from "../support/connector-server.js";

let h: BotHarness;

beforeAll(async () => {
  h = await BotHarness.start();
});
afterAll(async () => {
  await h?.close();
});

let people = 0;
/** Someone who has never written to GreenLight, so whatever is stored for their chat comes from this case. */
function newcomer(): Member {
  people += 1;
  const member = { id: `user-newcomer-${people}`, name: `Newcomer ${people}` };
  h.connector.members.set(member.id, member);
  return member;
}

const chatOf = (activity: Record<string, unknown>): string => (activity.conversation as { id: string }).id;

/** Posts the activity; returns the answer and whether anything ran, was said or was stored because of it. */
async function postAndWatch(
  activity: Record<string, unknown>,
): Promise<{ answer: PostResult; audited: number; sent: number; stored: boolean }> {
  const sentBefore = h.connector.sent.length;
  const auditBefore = await auditCount(h);
  const answer = await h.post(activity);
  await h.app.bot.idle();
  return {
    answer,
    audited: (await auditCount(h)) - auditBefore,
    sent: h.connector.sent.length - sentBefore,
    stored: (await h.store.records.getConversation(chatOf(activity))) !== undefined,
  };
}

/** What a later direct message to the chat (a rollout notice) brings: the texts the connector received there. */
async function directMessage(conversationId: string, text: string): Promise<unknown[]> {
  const from = h.connector.sent.length;
  await h.app.bot.notifier.sendToConversation(conversationId, { kind: "text", text: asMarkdown(text) });
  return h.connector.sent
    .slice(from)
    .filter((s) => s.conversationId === conversationId)
    .map((s) => s.activity.text);
}

describe("malformed activities", () => {
  it("refuses a numeric locale before running the command, and keeps that chat reachable for later messages", async () => {
    const person = newcomer();
    const activity = personalMessage(h.connector.url, person, "whoami");
    activity.locale = 42;

    const { answer, audited, sent, stored } = await postAndWatch(activity);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain("Malformed activity (locale:");
    expect({ audited, sent, stored }).toEqual({ audited: 0, sent: 0, stored: false });

    expect(readReply(only(await h.say(person, "whoami")))).toContain("Roles: viewer");
    expect(await directMessage(chatOf(activity), "Rollout of diabetes-prod finished.")).toEqual([
      "Rollout of diabetes-prod finished.",
    ]);
  });

  const withoutChannelData = (type: string) => (a: Record<string, unknown>) => {
    a.type = type;
    delete a.channelData;
  };
  const cases: [string, string, (a: Record<string, unknown>) => void][] = [
    ["a messageDelete without channelData", "channelData", withoutChannelData("messageDelete")],
    ["a messageUpdate without channelData", "channelData", withoutChannelData("messageUpdate")],
    [
      "an invoke whose value is null",
      "value",
      (a) => Object.assign(a, { type: "invoke", name: "fileConsent/invoke", value: null }),
    ],
    [
      "an invoke whose value is a string",
      "value",
      (a) => Object.assign(a, { type: "invoke", name: "task/fetch", value: "x" }),
    ],
    ["the locale is an object", "locale", (a) => (a.locale = { tag: "en-US" })],
    ["the recipient is missing", "recipient", (a) => delete a.recipient],
    ["the recipient's id is a number", "recipient.id", (a) => (a.recipient = { id: 7 })],
    ["the sender's role is a number", "from.role", (a) => (a.from = { id: "user-x", role: 1 })],
    [
      "the conversation's name is a number",
      "conversation.name",
      (a) => ((a.conversation as Record<string, unknown>).name = 5),
    ],
    [
      "the conversation's isGroup is a string",
      "conversation.isGroup",
      (a) => ((a.conversation as Record<string, unknown>).isGroup = "yes"),
    ],
    ["the channel id is a number", "channelId", (a) => (a.channelId = 3)],
    ["the service URL is not http(s)", "serviceUrl", (a) => (a.serviceUrl = "javascript:alert(1)")],
    ["channelData is a string", "channelData", (a) => (a.channelData = "teams")],
    ["channelData's team id is a number", "channelData.team.id", (a) => (a.channelData = { team: { id: 5 } })],
    ["channelData's eventType is an object", "channelData.eventType", (a) => (a.channelData = { eventType: {} })],
  ];

  it.each(cases)("answers 400 naming the field when %s, runs nothing and stores nothing", async (_, field, spoil) => {
    const activity = personalMessage(h.connector.url, newcomer(), "whoami");
    spoil(activity);

    const { answer, audited, sent, stored } = await postAndWatch(activity);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain(`Malformed activity (${field}:`);
    expect(looksLikeStackTrace(JSON.stringify(answer.body))).toBe(false);
    expect({ audited, sent, stored }).toEqual({ audited: 0, sent: 0, stored: false });
  });

  it("keeps only the checked fields in a stored conversation reference", async () => {
    const person = newcomer();
    const activity = personalMessage(h.connector.url, person, "whoami");
    activity.from = { ...(activity.from as object), properties: { padding: "x".repeat(50_000) }, role: "user" };
    activity.conversation = { ...(activity.conversation as object), properties: { padding: "y".repeat(50_000) } };

    await h.post(activity);

    const kept = await h.store.records.getConversation(chatOf(activity));
    expect(kept?.reference).toEqual({
      activityId: activity.id,
      channelId: "msteams",
      serviceUrl: h.connector.url,
      locale: "en-US",
      conversation: { id: chatOf(activity), conversationType: "personal", tenantId: expect.any(String) as string },
      user: { id: person.id, name: person.name },
      bot: activity.recipient,
    });
  });
});

describe("activities GreenLight does not act on", () => {
  const events: [string, Record<string, unknown>][] = [
    ["a member added", { type: "conversationUpdate", membersAdded: [{ id: "user-x" }] }],
    [
      "a member added, from another channel, with a malformed list",
      { type: "conversationUpdate", channelId: "webchat", membersAdded: "x" },
    ],
    ["a reaction", { type: "messageReaction", reactionsAdded: [{ type: "like" }] }],
    ["an edit", { type: "messageUpdate", channelData: { eventType: "editMessage" } }],
    ["a soft deletion", { type: "messageDelete", channelData: { eventType: "softDeleteMessage" } }],
    ["typing", { type: "typing" }],
    ["an event", { type: "event", name: "application/vnd.microsoft.meetingStart", value: null }],
    ["the end of a conversation", { type: "endOfConversation" }],
    ["an uninstall", { type: "installationUpdate", action: "remove" }],
    ["a type from the future", { type: "somethingNew" }],
    ["a type named like an object's own property", { type: "__proto__" }],
  ];

  it.each(events)("acknowledges %s with 200, and runs, says and stores nothing", async (_, fields) => {
    const activity = { ...personalMessage(h.connector.url, newcomer(), "whoami"), ...fields };
    const { answer, audited, sent, stored } = await postAndWatch(activity);
    expect(answer.status).toBe(200);
    expect({ audited, sent, stored }).toEqual({ audited: 0, sent: 0, stored: false });
  });

  const invokes: [string, Record<string, unknown>][] = [
    ["a file consent", { name: "fileConsent/invoke", value: { action: "accept" } }],
    ["a file consent without an action", { name: "fileConsent/invoke", value: {} }],
    ["a messaging-extension query", { name: "composeExtension/query", value: {} }],
    [
      "a messaging-extension action",
      { name: "composeExtension/submitAction", value: { botMessagePreviewAction: "x" } },
    ],
    ["a dialog fetch", { name: "task/fetch", value: {} }],
    ["a sign-in", { name: "signin/verifyState", value: { state: "1" } }],
    ["a search", { name: "application/search", value: {} }],
    ["an invoke without a name", { name: undefined }],
    ["an invoke named like an object's own property", { name: "__proto__" }],
  ];

  it.each(invokes)("answers %s with 501 Not Implemented, and runs, says and stores nothing", async (_, fields) => {
    const activity = { ...cardAction(h.connector.url, newcomer(), "show", {}), ...fields };
    const { answer, audited, sent, stored } = await postAndWatch(activity);
    expect(answer.status).toBe(501);
    expect({ audited, sent, stored }).toEqual({ audited: 0, sent: 0, stored: false });
  });
});
