import type { ChannelAddress, Markdown } from "../../ports/notifier.js";
import type { Person } from "../../ports/people.js";
import type { EndpointView } from "../../ports/workspace.js";
import { auditRow, channelPosts, type Applied, type ChangeContext, type ChangeKind, type Versioned } from "./change.js";

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

/** The fields every request starts with; its kind adds its own. */
export type Opened = Pick<
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

/**
 * A new request: version 1 with its first timeline line, the audit row of the asking, its card posted, and — when it
 * says something to them — a post in the channels following the endpoint (not the card's own: it sees the card).
 */
export function request<S extends Versioned>(
  o: Opening,
  build: (opened: Opened) => S,
  ctx: ChangeContext,
  kind: ChangeKind<S>,
  tellChannels?: Markdown,
): Applied<S> {
  const by = o.requester.person;
  const next = build({
    id: o.id,
    endpoint: o.endpoint,
    version: 1,
    requestedBy: by,
    requestedAt: ctx.now,
    channel: o.channel,
    ...(o.requester.personalConversationId ? { requesterConversationId: o.requester.personalConversationId } : {}),
    timeline: [{ at: ctx.now, what: o.what, by }],
    updatedAt: ctx.now,
  });
  const told = tellChannels
    ? channelPosts(
        ctx.notify.filter((c) => c.channelId !== o.channel.channelId),
        tellChannels,
      )
    : [];
  return {
    next,
    audit: [auditRow(kind.noun, next, { by, action: o.action, outcome: "ok", what: o.detail, ctx })],
    outbox: [{ kind: "post_card", notice: kind.card(next) }, ...told],
  };
}

/** Why no change can be opened on this endpoint, if none can: GreenLight shows Kubernetes endpoints read-only. */
export const readOnlyReason = (endpoint: Pick<EndpointView, "computeType">): string | undefined =>
  endpoint.computeType === "Managed" ? undefined : "it is a Kubernetes endpoint, which GreenLight shows read-only";
