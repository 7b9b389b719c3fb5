// GreenLight keeps where each conversation is (its Bot Framework conversation reference), so notifications can reach a
// chat or channel later without anyone speaking first. A kept reference is only worth something if a message sent
// through it arrives in the same conversation: that is what each case checks.
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationReference } from "botbuilder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT, BotHarness, USERS, channelMessage } from "../support/bot-harness.js";
import type { Member } from "../support/connector-server.js";

let h: BotHarness;

beforeAll(async () => {
  h = await BotHarness.start();
});
afterAll(async () => {
  await h?.close();
});

/** Sends `text` into the conversation `reference` points at, as a later notification would, and returns what arrived. */
async function notifyThrough(reference: unknown, text: string): Promise<{ conversationId: string; text: unknown }[]> {
  const from = h.connector.sent.length;
  // Auth is off in the harness, as in local mode: the bot's own adapter would also continue with app id "".
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  await adapter.continueConversationAsync("", reference as Partial<ConversationReference>, async (ctx) => {
    await ctx.sendActivity(text);
  });
  return h.connector.sent.slice(from).map((s) => ({ conversationId: s.conversationId, text: s.activity.text }));
}

describe("conversation references", () => {
  it("keeps a personal chat once someone messages the bot, and a later message through it reaches that chat", async () => {
    const user: Member = USERS.viewer;
    const conversationId = `personal-${user.id}`;
    expect(await h.store.records.getConversation(conversationId)).toBeUndefined();

    await h.say(user, "whoami");

    const kept = await h.store.records.getConversation(conversationId);
    expect(kept).toMatchObject({
      conversationId,
      kind: "personal",
      reference: {
        channelId: "msteams",
        serviceUrl: h.connector.url,
        conversation: { id: conversationId },
        user: { id: user.id },
        bot: { id: BOT.id },
      },
    });
    expect(await notifyThrough(kept?.reference, "Rollout of diabetes-prod finished.")).toEqual([
      { conversationId, text: "Rollout of diabetes-prod finished." },
    ]);
  });

  it("keeps a channel thread once the bot is mentioned there", async () => {
    const activity = channelMessage(h.connector.url, USERS.operator, "help");
    const conversationId = (activity.conversation as { id: string }).id;
    expect(await h.store.records.getConversation(conversationId)).toBeUndefined();

    await h.say(USERS.operator, "help", { channel: true });

    const kept = await h.store.records.getConversation(conversationId);
    expect(kept).toMatchObject({
      conversationId,
      kind: "channel",
      reference: { conversation: { id: conversationId } },
    });
    expect(await notifyThrough(kept?.reference, "Approval needed.")).toEqual([
      { conversationId, text: "Approval needed." },
    ]);
  });

  it("keeps the chat a card was clicked in", async () => {
    const user: Member = USERS.approver;
    const conversationId = `personal-${user.id}`;
    expect(await h.store.records.getConversation(conversationId)).toBeUndefined();

    const { invoke } = await h.click(user, "show", { endpoint: "diabetes-prod" });
    expect(invoke.status).toBe(200);

    const kept = await h.store.records.getConversation(conversationId);
    expect(kept).toMatchObject({ conversationId, kind: "personal", reference: { user: { id: user.id } } });
    expect(await notifyThrough(kept?.reference, "Your approval was recorded.")).toEqual([
      { conversationId, text: "Your approval was recorded." },
    ]);
  });
});
