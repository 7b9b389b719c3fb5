import type { MessageDraft, OutboxMessage } from "../../src/ports/outbox.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { asMarkdown } from "../support/card-markdown.js";

/** A message whose text says `text`, so tests can tell messages apart (its subject is the change's that writes it). */
export function draft(text: string): MessageDraft {
  return { kind: "update_card", notice: { kind: "text", text: asMarkdown(text) } };
}

/** The text of a message made by `draft()` (or the card it shows). */
export function saying(message: OutboxMessage["draft"]): string {
  if (message.kind === "reply_in_thread") return message.text;
  return message.notice.kind === "text" ? message.notice.text : message.notice.card;
}

/** What each sent message said, for drafts made by `draft()`. */
export const said = (drafts: OutboxMessage["draft"][]): string[] => drafts.map(saying);

/** Sends (claims and marks sent) every message that is due at `now`, in the order claims return them. */
export async function sendAll(store: GreenLightStore, now: Date, leaseMs: number): Promise<OutboxMessage["draft"][]> {
  const sent: OutboxMessage["draft"][] = [];
  for (;;) {
    const batch = await store.outbox.claim("sender", now, leaseMs, 100);
    if (batch.length === 0) return sent;
    for (const message of batch) {
      sent.push(message.draft);
      await store.outbox.markSent(message.id, now);
    }
  }
}
