import type { Deletion } from "../../../ports/deletions.js";
import { personOf } from "../../access/identity.js";
import {
  confirmDeletion,
  rejectDeletion,
  type DeletionContext,
  type DeletionTarget,
  type DeletionTransition,
} from "../../deletion/deletion.js";
import { deletionCardView, deletionNotice, deletionStateLine } from "../../deletion/deletion-card.js";
import type { UserError } from "../../errors.js";
import { cardChannel, followingChannels } from "../../rollout/channels.js";
import { stateLine } from "../../rollout/rollout-card.js";
import { code, msg } from "../../views/markdown.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { modelText } from "../../views/model-text.js";
import { instancesText } from "./endpoint-rows.js";

import { cardPlace, refuse, viewerOf } from "./replies.js";

/**
 * `delete <endpoint>` (admin): an approval card with what would be lost goes to the endpoint's channel; nothing is
 * deleted until an approver other than the requester confirms there by typing the name. Refused during a rollout and
 * for Kubernetes endpoints.
 */
export async function requestDeletion(ctx: CommandContext, endpointName: string): Promise<Reply> {
  const pending = await ctx.deletions.pendingDeletion(endpointName);
  if (pending)
    return refuse({ code: "deletion_pending", endpoint: pending.endpoint, requestedBy: pending.requestedBy.name });
  const rollout = await ctx.rollouts.activeRollout(endpointName);
  if (rollout) {
    return refuse({
      code: "cannot_delete",
      endpoint: rollout.endpoint,
      problem: `a rollout of ${rollout.model.name}:${rollout.model.version} is under way (${stateLine(rollout)}); finish it or roll it back first`,
    });
  }
  const found = await ctx.workspace.getEndpoint(endpointName);
  if (!found.ok) return refuse(found.error);
  const endpoint = found.value;
  if (endpoint.computeType !== "Managed") {
    return refuse({
      code: "cannot_delete",
      endpoint: endpoint.name,
      problem: "it is a Kubernetes endpoint, which GreenLight shows read-only",
    });
  }
  const channel =
    (await cardChannel(ctx.subscriptions, endpoint.name, ctx.rolloutSettings.releaseChannel)) ?? ctx.where.channel;
  if (!channel) {
    return refuse({
      code: "cannot_delete",
      endpoint: endpoint.name,
      problem: "no release channel is set up for its approval card; ask in a channel instead",
    });
  }
  const recent = await ctx.workspace.recentRequests(endpoint.name, 24);
  const now = ctx.clock.now();
  const by = personOf(ctx.caller);
  const expiresAt = new Date(now.getTime() + ctx.rolloutSettings.approvalTtlMs);
  const deletion: Deletion = {
    id: ctx.newId(),
    endpoint: endpoint.name,
    phase: "awaiting_approval",
    version: 1,
    requestedBy: by,
    requestedAt: now,
    preview: {
      ...(endpoint.scoringUri ? { scoringUri: endpoint.scoringUri } : {}),
      traffic: { ...endpoint.traffic },
      deployments: endpoint.deployments.map((d) => ({
        name: d.name,
        model: modelText(d.model),
        state: d.state,
        instances: instancesText(d.scale, d.instanceType).replace(/\\/g, ""),
      })),
      ...(recent.ok && recent.value ? { recentRequests: recent.value } : {}),
    },
    expiresAt,
    nextRunAt: expiresAt,
    channel,
    ...(ctx.where.personal ? { requesterConversationId: ctx.where.conversationId } : {}),
    timeline: [{ at: now, what: `asked to delete ${endpoint.name}`, by }],
    updatedAt: now,
  };
  const created = await ctx.deletions.createDeletion(deletion, {
    audit: [
      {
        at: now,
        actor: by,
        action: "deletion.request",
        target: endpoint.name,
        outcome: "ok",
        detail: `deletion ${deletion.id.slice(0, 8)}: ${endpoint.deployments.length} deployment(s)`,
        correlationId: ctx.correlationId,
      },
    ],
    outbox: [
      {
        kind: "post_deletion_card",
        deletionId: deletion.id,
        notice: deletionNotice(deletion, ctx.rolloutSettings.people.approvers),
      },
    ],
  });
  if (!created.created) {
    return refuse({
      code: "deletion_pending",
      endpoint: created.pending.endpoint,
      requestedBy: created.pending.requestedBy.name,
    });
  }
  ctx.wakeWorker();
  return {
    kind: "text",
    text: msg`Asked to delete ${endpoint.name} and its ${endpoint.deployments.length} deployment(s). Nothing is deleted until an approver other than you confirms on the card ${cardPlace(ctx, channel)} by typing its name.`,
  };
}

/** A deletion card's button: confirm (with the typed name) or keep. Bound to the request and version shown. */
export async function decideDeletion(
  ctx: CommandContext,
  target: DeletionTarget,
  typed: string | undefined,
): Promise<Reply> {
  const deletion = await ctx.deletions.getDeletion(target.deletion);
  if (!deletion)
    return refuse({ code: "stale_card", endpoint: "this endpoint", now: "GreenLight has no such request" });
  const dctx: DeletionContext = {
    now: ctx.clock.now(),
    approvers: ctx.rolloutSettings.people.approvers,
    notify: await followingChannels(ctx.subscriptions, deletion.endpoint, ctx.rolloutSettings.releaseChannel),
    correlationId: ctx.correlationId,
    retryMs: 5000,
  };
  const by = personOf(ctx.caller);
  const changed =
    typed === undefined
      ? rejectDeletion(deletion, target, by, dctx)
      : confirmDeletion(deletion, target, by, typed, dctx);
  if (!changed.ok) return refusedOnCard(ctx, deletion, changed.error, typed);
  if (!(await store(ctx, deletion, changed.value))) {
    const now = (await ctx.deletions.getDeletion(target.deletion)) ?? deletion;
    return refusedOnCard(
      ctx,
      now,
      { code: "stale_card", endpoint: deletion.endpoint, now: deletionStateLine(now) },
      typed,
    );
  }
  return { kind: "card", card: "deletion", data: deletionCardView(changed.value.next, viewerOf(ctx)) };
}

/** The card as the clicker may use it (Teams' refresh, or "Show my options"). */
export async function viewDeletion(ctx: CommandContext, id: string): Promise<Reply> {
  const deletion = await ctx.deletions.getDeletion(id);
  if (!deletion) {
    return refuse({ code: "stale_card", endpoint: "this endpoint", now: "GreenLight has no such request" });
  }
  return { kind: "card", card: "deletion", data: deletionCardView(deletion, viewerOf(ctx)) };
}

/**
 * A refused click where a name was typed leaves the card as the clicker had it — the name kept — and says why on it;
 * any other refusal is a banner, and the card stays as it is.
 */
function refusedOnCard(ctx: CommandContext, d: Deletion, error: UserError, typed: string | undefined): Reply {
  if (!typed) return refuse(error);
  return {
    kind: "error",
    error,
    redraw: {
      kind: "card",
      card: "deletion",
      data: deletionCardView(d, viewerOf(ctx), { refusal: error, typed: { confirm: typed ?? "" } }),
    },
  };
}

async function store(ctx: CommandContext, before: Deletion, t: DeletionTransition): Promise<boolean> {
  const stored = await ctx.deletions.updateDeletion(t.next, before.version, { audit: t.audit, outbox: t.outbox });
  if (stored) ctx.wakeWorker();
  return stored;
}

/** `samples remove <endpoint> [name]` (admin): the stored samples go, also those of an endpoint that was deleted. */
export async function removeSamples(ctx: CommandContext, endpoint: string, sample: string | undefined): Promise<Reply> {
  const removed = await ctx.store.removeSamples(endpoint, sample);
  return {
    kind: "text",
    text:
      removed === 0
        ? sample
          ? msg`${endpoint} has no stored sample named '${sample}'. Type ${code(`samples ${endpoint}`)} to see its samples.`
          : msg`${endpoint} has no stored samples.`
        : msg`Removed ${removed} sample(s) of ${endpoint}.`,
  };
}
