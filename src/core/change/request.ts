import type { ChannelAddress } from "../../ports/notifier.js";
import type { Person } from "../../ports/people.js";
import type { AuditEntry } from "../../ports/store.js";
import { auditRow, type ChangeContext, type ChangeNoun, type Versioned } from "./change.js";

/** Who asks for a change, and where: a personal chat is where they hear how it goes. */
export interface Requester {
  person: Person;
  /** Their personal conversation, when they asked there. */
  personalConversationId?: string;
}

/** A new request's common fields, before its kind adds its own. */
export interface Opening {
  id: string;
  endpoint: string;
  /** The channel its card goes to; it stays there for the request's life. */
  channel: ChannelAddress;
  requester: Requester;
  /** The timeline's first line ("requested diabetes:2 in green"). */
  what: string;
  /** The audit row's action and detail ("rollout.request", "diabetes:2 in green"). */
  action: string;
  detail: string;
}

type Opened = Pick<
  Versioned,
  | "id"
  | "endpoint"
  | "version"
  | "requestedBy"
  | "requestedAt"
  | "channel"
  | "requesterConversationId"
  | "timeline"
  | "updatedAt"
>;

/** Version 1 of a request with its first timeline line, and the audit row of the asking. */
export function openRequest(
  noun: ChangeNoun,
  o: Opening,
  ctx: Omit<ChangeContext, "notify">,
): { opened: Opened; audit: AuditEntry[] } {
  const by = o.requester.person;
  const opened: Opened = {
    id: o.id,
    endpoint: o.endpoint,
    version: 1,
    requestedBy: by,
    requestedAt: ctx.now,
    channel: o.channel,
    ...(o.requester.personalConversationId ? { requesterConversationId: o.requester.personalConversationId } : {}),
    timeline: [{ at: ctx.now, what: o.what, by }],
    updatedAt: ctx.now,
  };
  return { opened, audit: [auditRow(noun, o, { by, action: o.action, outcome: "ok", what: o.detail, ctx })] };
}
