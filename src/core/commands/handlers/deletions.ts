import type { Deletion } from "../../../ports/deletions.js";
import { personOf } from "../../access/identity.js";
import {
  confirmDeletion,
  rejectDeletion,
  requestDeletion as askToDelete,
  type DeletionContext,
  type DeletionTarget,
  type DeletionTransition,
} from "../../deletion/deletion.js";
import { deletionCardView, deletionStateLine } from "../../deletion/deletion-card.js";
import type { UserError } from "../../errors.js";
import { stateLine } from "../../rollout/rollout-card.js";
import { msg } from "../../views/markdown.js";
import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";
import { cardPlace, changeContext, newRequest, refuse, viewerOf } from "./replies.js";

async function deletionContext(ctx: CommandContext, endpoint: string): Promise<DeletionContext> {
  return { ...(await changeContext(ctx, endpoint)), approvers: ctx.rolloutSettings.people.approvers, retryMs: 5000 };
}

/**
 * `delete <endpoint>` (admin): an approval card with what would be lost goes to the endpoint's channel; nothing is
 * deleted until an approver other than the requester confirms there by typing the name. Refused during a rollout, while
 * another request waits, and as the core's `requestDeletion` says.
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
  const requested = askToDelete(
    {
      ...(await newRequest(ctx, endpoint.name)),
      endpoint,
      recentRequests: await ctx.workspace.recentRequests(endpoint.name, 24),
    },
    ctx.rolloutSettings.approvalTtlMs,
    await deletionContext(ctx, endpoint.name),
  );
  if (!requested.ok) return refuse(requested.error);
  const { next: d, audit, outbox } = requested.value;
  const created = await ctx.deletions.createDeletion(d, { audit, outbox });
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
    text: msg`Asked to delete ${d.endpoint} and its ${d.preview.deployments.length} deployment(s). Nothing is deleted until an approver other than you confirms on the card ${cardPlace(ctx, d.channel)} by typing its name.`,
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
  const dctx = await deletionContext(ctx, deletion.endpoint);
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
