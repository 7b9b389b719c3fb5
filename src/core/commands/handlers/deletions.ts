import type { Deletion } from "../../../ports/deletions.js";
import { personOf } from "../../people/identity.js";
import {
  confirmDeletion,
  rejectDeletion,
  requestDeletion as askToDelete,
  type DeletionContext,
  type DeletionTarget,
} from "../../deletion/deletion.js";
import { deletionCardView, deletionStateLine } from "../../deletion/deletion-card.js";
import { stateLine } from "../../rollout/rollout-card.js";
import { msg } from "../../views/markdown.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { decideOnCard, viewOnCard, type CardSubject } from "./decide-on-card.js";
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
  const pending = await ctx.deletions.current(endpointName);
  if (pending)
    return refuse({ code: "deletion_pending", endpoint: pending.endpoint, requestedBy: pending.requestedBy.name });
  const rollout = await ctx.rollouts.current(endpointName);
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
  const created = await ctx.deletions.create(d, { audit, outbox });
  if (!created.created) {
    return refuse({
      code: "deletion_pending",
      endpoint: created.current.endpoint,
      requestedBy: created.current.requestedBy.name,
    });
  }
  ctx.wakeWorker();
  return {
    kind: "text",
    text: msg`Asked to delete ${d.endpoint} and its ${d.preview.deployments.length} deployment(s). Nothing is deleted until an approver other than you confirms on the card ${cardPlace(ctx, d.channel)} by typing its name.`,
  };
}

/** A deletion's card, as its buttons reach it; `typed` is the name the clicker typed to confirm. */
const deletionCards = (ctx: CommandContext, typed?: string): CardSubject<Deletion> => ({
  unknown: "GreenLight has no such request",
  get: (id) => ctx.deletions.get(id),
  update: (next, expectedVersion, effects) => ctx.deletions.update(next, expectedVersion, effects),
  stateLine: deletionStateLine,
  card: (d, refusal) => ({
    kind: "card",
    card: "deletion",
    data: deletionCardView(d, viewerOf(ctx), refusal ? { refusal, typed: { confirm: typed ?? "" } } : {}),
  }),
});

/** A deletion card's button: confirm (with the typed name) or keep. Bound to the request and version shown. */
export async function decideDeletion(
  ctx: CommandContext,
  target: DeletionTarget,
  typed: string | undefined,
): Promise<Reply> {
  const decideNow = async (d: Deletion) => {
    const dctx = await deletionContext(ctx, d.endpoint);
    const by = personOf(ctx.caller);
    return typed === undefined ? rejectDeletion(d, target, by, dctx) : confirmDeletion(d, target, by, typed, dctx);
  };
  return decideOnCard(ctx, deletionCards(ctx, typed), target.deletion, decideNow, Boolean(typed));
}

/** The card as the clicker may use it (Teams' refresh, or "Show my options"). */
export const viewDeletion = (ctx: CommandContext, id: string): Promise<Reply> => viewOnCard(deletionCards(ctx), id);
