import type { MessageDraft } from "../../../ports/outbox.js";
import type { AuditEntry } from "../../../ports/store.js";
import type { Result } from "../../../ports/result.js";
import type { Applied, Versioned } from "../../change/change.js";
import type { UserError } from "../../errors.js";
import type { CardReply, Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { refuse } from "./replies.js";

/** A kind of change as its card's buttons reach it: read, stored by compare-and-set, and drawn for the clicker. */
export interface CardSubject<S extends Versioned> {
  /** Why a click on a card of a subject GreenLight does not have changes nothing ("GreenLight has no such rollout"). */
  unknown: string;
  get(id: string): Promise<S | undefined>;
  update(next: S, expectedVersion: number, effects: { audit: AuditEntry[]; outbox: MessageDraft[] }): Promise<boolean>;
  stateLine(s: S): string;
  /** The card as the clicker sees it; after a refused click, with the refusal shown and what they had typed kept. */
  card(s: S, refusal?: UserError): CardReply;
}

/**
 * A card's button: the decision is made on the subject as stored now and stored by compare-and-set; the answer is the
 * card as the clicker now sees it. A refused click where something was typed redraws that card as the clicker had it,
 * saying why on it; any other refusal is a banner, and the card stays as it is (no card to draw for a stale replay).
 */
export async function decideOnCard<S extends Versioned>(
  ctx: CommandContext,
  subject: CardSubject<S>,
  id: string,
  decide: (s: S) => Promise<Result<Applied<S>, UserError>>,
  typedSomething: boolean,
): Promise<Reply> {
  const s = await subject.get(id);
  if (!s) return refuse({ code: "stale_card", endpoint: "this endpoint", now: subject.unknown });
  const refused = (now: S, error: UserError): Reply =>
    typedSomething ? { kind: "error", error, redraw: subject.card(now, error) } : refuse(error);
  const changed = await decide(s);
  if (!changed.ok) return refused(s, changed.error);
  if (!(await storeChange(ctx, subject, s, changed.value))) {
    // Someone (another click, the worker) changed it first: this click is stale.
    const now = (await subject.get(id)) ?? s;
    return refused(now, { code: "stale_card", endpoint: s.endpoint, now: subject.stateLine(now) });
  }
  return subject.card(changed.value.next);
}

/** The card as the clicker may use it (Teams' refresh, or "Show my options"). */
export async function viewOnCard<S extends Versioned>(subject: CardSubject<S>, id: string): Promise<Reply> {
  const s = await subject.get(id);
  return s ? subject.card(s) : refuse({ code: "stale_card", endpoint: "this endpoint", now: subject.unknown });
}

/** Stores a change made against `before` (false when someone changed it first), and wakes the worker for it. */
export async function storeChange<S extends Versioned>(
  ctx: CommandContext,
  subject: CardSubject<S>,
  before: S,
  change: Applied<S>,
): Promise<boolean> {
  const stored = await subject.update(change.next, before.version, { audit: change.audit, outbox: change.outbox });
  if (stored) ctx.wakeWorker();
  return stored;
}
