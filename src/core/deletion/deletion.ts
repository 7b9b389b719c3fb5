import type { Deletion, DeletionDraft, DeletionEffects } from "../../ports/deletions.js";
import { isDeletionFinal } from "../../ports/deletions.js";
import type { ChannelAddress } from "../../ports/notifier.js";
import { err, ok, type Result } from "../../ports/result.js";
import type { Person } from "../../ports/rollouts.js";
import type { WorkspaceError } from "../../ports/workspace.js";
import { describeError, type UserError } from "../errors.js";
import { GREENLIGHT } from "../rollout/transition.js";
import { escapeMarkdown as md, markdownToPlain } from "../views/markdown.js";
import { deletionNotice } from "./deletion-card.js";

/** What a deletion's change needs besides the request: the time, and the channels that hear when it ends. */
export interface DeletionContext {
  now: Date;
  notify: readonly ChannelAddress[];
  correlationId: string;
  /** How often a workspace that is busy or unreachable is tried again. */
  retryMs: number;
}

export interface DeletionTransition extends DeletionEffects {
  next: Deletion;
}

/** A deletion card's buttons: the request and the version the card showed. */
export interface DeletionTarget {
  deletion: string;
  version: number;
}

type Patch = { [K in keyof Deletion]?: Deletion[K] | undefined };

interface Change {
  set: Patch;
  what: string;
  by?: Person;
  action: string;
  outcome?: string;
  /** Ended: the channels following the endpoint and the requester hear it. */
  announce?: string;
}

/** Builds a change: the next version, a timeline line, its audit row, the card redrawn, and any announcement. */
function change(d: Deletion, c: Change, ctx: DeletionContext): DeletionTransition {
  const merged: Record<string, unknown> = {
    ...d,
    ...c.set,
    version: d.version + 1,
    timeline: [...d.timeline, { at: ctx.now, what: c.what, ...(c.by ? { by: c.by } : {}) }],
    updatedAt: ctx.now,
  };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const next = merged as unknown as Deletion;
  const outbox: DeletionDraft[] = [{ kind: "update_deletion_card", deletionId: d.id, notice: deletionNotice(next) }];
  if (c.announce) {
    const notice = { kind: "text" as const, text: c.announce };
    for (const channel of ctx.notify) outbox.push({ kind: "deletion_notice", deletionId: d.id, channel, notice });
    if (d.requesterConversationId) {
      outbox.push({
        kind: "deletion_personal_message",
        deletionId: d.id,
        conversationId: d.requesterConversationId,
        notice,
      });
    }
  }
  return {
    next,
    audit: [
      {
        at: ctx.now,
        actor: c.by ?? GREENLIGHT,
        action: c.action,
        target: d.endpoint,
        outcome: c.outcome ?? "ok",
        detail: `deletion ${d.id.slice(0, 8)}: ${c.what}`,
        correlationId: ctx.correlationId,
      },
    ],
    outbox,
  };
}

function current(d: Deletion, target: DeletionTarget): UserError | undefined {
  if (target.deletion !== d.id || target.version !== d.version || d.phase !== "awaiting_approval") {
    return {
      code: "stale_card",
      endpoint: d.endpoint,
      now: isDeletionFinal(d.phase) ? `the deletion request has ended (${d.phase})` : `the request is now: ${d.phase}`,
    };
  }
  return undefined;
}

/**
 * An approver who did not ask for it confirms, typing the endpoint's name on the card (checked here, on the server):
 * the worker deletes the endpoint next.
 */
export function confirmDeletion(
  d: Deletion,
  target: DeletionTarget,
  by: Person,
  typedName: string,
  ctx: DeletionContext,
): Result<DeletionTransition, UserError> {
  const refused = current(d, target);
  if (refused) return err(refused);
  if (by.id === d.requestedBy.id)
    return err({ code: "self_approval", endpoint: d.endpoint, requester: d.requestedBy.name, what: "deletion" });
  if (typedName.trim() !== d.endpoint) return err({ code: "confirmation_mismatch", endpoint: d.endpoint });
  return ok(
    change(
      d,
      {
        set: { phase: "deleting", approvedBy: { by, at: ctx.now }, nextRunAt: ctx.now, expiresAt: undefined },
        what: `confirmed the deletion of ${d.endpoint}`,
        by,
        action: "deletion.approve",
      },
      ctx,
    ),
  );
}

/** An approver keeps the endpoint: the request ends and nothing changes in Azure. */
export function rejectDeletion(
  d: Deletion,
  target: DeletionTarget,
  by: Person,
  ctx: DeletionContext,
): Result<DeletionTransition, UserError> {
  const refused = current(d, target);
  if (refused) return err(refused);
  return ok(
    change(
      d,
      {
        set: {
          phase: "rejected",
          nextRunAt: undefined,
          expiresAt: undefined,
          ending: { reason: `${by.name} kept the endpoint.` },
        },
        what: `kept ${d.endpoint}`,
        by,
        action: "deletion.reject",
        outcome: "rejected",
      },
      ctx,
    ),
  );
}

/** What the worker does with a due request: expire it, delete the endpoint, or nothing yet. */
export type DeletionDecision =
  | { kind: "wait"; until: Date | undefined }
  | { kind: "delete" }
  | { kind: "transition"; transition: DeletionTransition };

export function reconcileDeletion(d: Deletion, ctx: DeletionContext, rolloutActive: boolean): DeletionDecision {
  if (d.phase === "awaiting_approval") {
    if (d.expiresAt && ctx.now >= d.expiresAt) {
      return {
        kind: "transition",
        transition: change(
          d,
          {
            set: {
              phase: "expired",
              nextRunAt: undefined,
              expiresAt: undefined,
              ending: { reason: "No approver confirmed in time; nothing was deleted." },
            },
            what: "expired unconfirmed",
            action: "deletion.expire",
            outcome: "expired",
          },
          ctx,
        ),
      };
    }
    return { kind: "wait", until: d.expiresAt };
  }
  if (d.phase === "deleting") {
    // A rollout started between the confirmation and now: deleting would pull the endpoint from under it.
    if (rolloutActive)
      return {
        kind: "transition",
        transition: failed(d, "A rollout started on it after the request; nothing was deleted.", ctx),
      };
    return { kind: "delete" };
  }
  return { kind: "wait", until: undefined };
}

/** Azure deleted the endpoint and its deployments. */
export function deleted(d: Deletion, ctx: DeletionContext): DeletionTransition {
  const by = d.approvedBy?.by.name ?? "an approver";
  return change(
    d,
    {
      set: {
        phase: "deleted",
        nextRunAt: undefined,
        ending: {
          reason: `Deleted, as ${by} confirmed. Its sample payloads are kept until an admin removes them (samples remove).`,
        },
      },
      what: `deleted ${d.endpoint} and its deployments`,
      action: "deletion.delete",
      announce: `Endpoint ${md(d.endpoint)} was deleted, as ${md(d.requestedBy.name)} asked and ${md(by)} confirmed.`,
    },
    ctx,
  );
}

/** The deletion failed in Azure: a busy or unreachable workspace is tried again; a refusal ends the request. */
export function deletionFailed(d: Deletion, error: WorkspaceError, ctx: DeletionContext): DeletionDecision {
  if (["operation_in_progress", "workspace_throttled", "workspace_unreachable"].includes(error.code)) {
    return { kind: "wait", until: new Date(ctx.now.getTime() + ctx.retryMs) };
  }
  return {
    kind: "transition",
    transition: failed(d, `Azure ML did not delete it: ${markdownToPlain(describeError(error))}`, ctx),
  };
}

function failed(d: Deletion, reason: string, ctx: DeletionContext): DeletionTransition {
  return change(
    d,
    {
      set: { phase: "failed", nextRunAt: undefined, ending: { reason } },
      what: "the deletion failed",
      action: "deletion.fail",
      outcome: "failed",
      announce: `Endpoint ${md(d.endpoint)} was not deleted. ${md(reason)}`,
    },
    ctx,
  );
}
