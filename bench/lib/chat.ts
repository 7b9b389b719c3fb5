import { personalMessage, USERS, visibleText } from "../../test/support/bot-harness.js";
import type { ConnectorServer } from "../../test/support/connector-server.js";

/**
 * A chat message from the operator to the bot at `botUrl`, in a personal chat of its own per endpoint; the bot's reply
 * text.
 */
export async function say(botUrl: string, connector: ConnectorServer, endpoint: string, text: string): Promise<string> {
  const activity = personalMessage(connector.url, USERS.operator, text);
  const conversationId = `personal-${USERS.operator.id}-${endpoint}`;
  activity.conversation = { ...(activity.conversation as object), id: conversationId };
  let from = connector.sent.length;
  const response = await fetch(`${botUrl}/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(activity),
  });
  if (response.status >= 300) throw new Error(`bot answered ${response.status}: ${await response.text()}`);
  await response.text();
  // The answer to this message, not a rollout's direct message to its requester in the same chat.
  for (;;) {
    const sent = await connector.waitForSent(conversationId, from, 1, 30_000);
    const reply = sent.find((s) => s.activity.replyToId === activity.id);
    if (reply) return visibleText(reply);
    from = connector.sent.length;
  }
}
