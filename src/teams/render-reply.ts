import { CardFactory, MessageFactory, type Activity } from "botbuilder";
import { describeError, errorTitle, type UserError } from "../core/errors.js";
import { markdownToPlain } from "../core/views/markdown.js";
import type { Reply } from "../core/commands/reply.js";
import type { Notice } from "../ports/notifier.js";
import type { CardRenderer } from "./cards/render-card.js";

/** Teams renders cards up to about 28 KB everywhere (reference: teams-bot §1.8); stay under it. */
export const MAX_CARD_BYTES = 28 * 1024;

/** Renders a core reply (or a proactive notice) as the activity to send. */
export function renderReply(reply: Reply | Notice, cards: CardRenderer): Partial<Activity> {
  switch (reply.kind) {
    case "text":
      return MessageFactory.text(reply.text);
    case "error":
      return cardActivity(cards.render("error", errorView(reply.error)), describeError(reply.error));
    case "card":
      return cardActivity(cards.render(reply.card, reply.data), undefined);
  }
}

/** The Adaptive Card JSON of a reply, for an invoke response that replaces the clicked card. */
export function renderCard(reply: Reply, cards: CardRenderer): Record<string, unknown> {
  switch (reply.kind) {
    case "text":
      return cards.render("error", { title: "GreenLight", message: reply.text });
    case "error":
      return cards.render("error", errorView(reply.error));
    case "card":
      return cards.render(reply.card, reply.data);
  }
}

function cardActivity(card: Record<string, unknown>, summary: string | undefined): Partial<Activity> {
  const size = Buffer.byteLength(JSON.stringify(card));
  if (size > MAX_CARD_BYTES) {
    // Handlers page and truncate, so this is a backstop, not a path users should meet.
    return MessageFactory.text("That answer is too large for a Teams card. Narrow it down (a filter, a smaller tail).");
  }
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
  // The summary is the plain-text preview (notifications, the chat list).
  if (summary) activity.summary = markdownToPlain(summary);
  return activity;
}

function errorView(error: UserError): { title: string; message: string } {
  return { title: errorTitle(error), message: describeError(error) };
}
