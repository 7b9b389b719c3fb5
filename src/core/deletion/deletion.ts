import type { Deletion, DeletionPreview } from "../../ports/deletions.js";
import { isDeletionFinal } from "../../ports/deletions.js";
import type { ChannelAddress, Markdown, Mention } from "../../ports/notifier.js";
import type { Person } from "../../ports/people.js";
import { err, ok, type Result } from "../../ports/result.js";
import type { EndpointView, WorkspaceError } from "../../ports/workspace.js";
import { applyChange, type Applied, type Change, type ChangeContext, type ChangeKind } from "../change/change.js";
import { refuseDecision, type Refusals } from "../change/decision.js";
import { readOnlyReason, request, type Opened, type Requester } from "../change/request.js";
import { instancesText } from "../views/instances-text.js";
import { errorText, type UserError } from "../errors.js";
import { describeTraffic, sameTraffic } from "../rollout/plan.js";
import { msg } from "../views/markdown.js";
import { deletionNotice, deletionStateLine } from "./deletion-card.js";
import { DELETION_DECISIONS, type DeletionCardDecision } from "./decisions.js";
import { modelText } from "../views/model-text.js";

/** What a deletion's change needs besides the request and the time. */
export interface DeletionContext extends ChangeContext {
  /** The approvers, for whom the card refreshes while it waits. */
  approvers: readonly Mention[];
  /** How often a workspace that is busy or unreachable is tried again. */
  retryMs: number;
}

export type DeletionTransition = Applied<Deletion>;

type Outcome = Result<DeletionTransition, UserError>;

/** A deletion card's buttons: the request and the version the card showed. */
export interface DeletionTarget {
  deletion: string;
  version: number;
}

const REFUSALS: Refusals<Deletion> = {
  noun: "deletion",
  staleNow: (d) =>
    isDeletionFinal(d.phase)
      ? `the deletion request has ended: ${deletionStateLine(d)}`
      : `the request is now: ${deletionStateLine(d)}`,
  expired: () => "deletion",
};

const refused = (d: Deletion, target: DeletionTarget, decision: DeletionCardDecision, by: Person, now: Date) =>
  refuseDecision(
    d,
    { id: target.deletion, version: target.version },
    DELETION_DECISIONS[decision],
    { by, now },
    REFUSALS,
  );

/** A deletion request's card, drawn for the approvers; it has no thread replies. */
const deletionKind = (approvers: readonly Mention[]): ChangeKind<Deletion> => ({
  noun: "deletion",
  card: (d) => deletionNotice(d, approvers),
  threadReplies: false,
});

const change = (d: Deletion, c: Change<Deletion>, ctx: DeletionContext): DeletionTransition =>
  applyChange(d, c, ctx, deletionKind(ctx.approvers));

/** An ending everyone following the endpoint hears of, the requester too. */
const announced = (text: Markdown) => ({ tellChannels: text, tellRequester: text });

/** What `delete` read from Azure, and who asked where. */
export interface DeletionRequest {
  id: string;
  requester: Requester;
  endpoint: EndpointView;
  /** Scoring requests per deployment in the last day, when the workspace could say. */
  recentRequests: Result<Record<string, number> | undefined, WorkspaceError>;
  /** Where its card goes (a channel subscribed to the endpoint, the release channel, or the channel asked in). */
  channel: ChannelAddress | undefined;
}

/**
 * An admin asks to delete an endpoint: an approval card with what would be lost is posted; nothing is deleted until an
 * approver other than them confirms before it expires. Refused for a Kubernetes endpoint and with no channel for its
 * card.
 */
export function requestDeletion(req: DeletionRequest, ttlMs: number, ctx: DeletionContext): Outcome {
  const { endpoint } = req;
  const readOnly = readOnlyReason(endpoint);
  if (readOnly) return err({ code: "cannot_delete", endpoint: endpoint.name, problem: readOnly });
  if (!req.channel) {
    return err({
      code: "cannot_delete",
      endpoint: endpoint.name,
      problem: "no release channel is set up for its approval card; ask in a channel instead",
    });
  }
  const recent = req.recentRequests;
  const expiresAt = new Date(ctx.now.getTime() + ttlMs);
  const opening = {
    id: req.id,
    endpoint: endpoint.name,
    channel: req.channel,
    requester: req.requester,
    what: `asked to delete ${endpoint.name}`,
    action: "deletion.request",
    detail: `${endpoint.deployments.length} deployment(s)`,
  };
  const deletion = (opened: Opened): Deletion => ({
    ...opened,
    phase: "awaiting_approval",
    preview: {
      ...(endpoint.scoringUri ? { scoringUri: endpoint.scoringUri } : {}),
      traffic: { ...endpoint.traffic },
      deployments: endpoint.deployments.map((d) => ({
        name: d.name,
        model: modelText(d.model),
        state: d.state,
        instances: instancesText(d.scale, d.instanceType),
      })),
      ...(recent.ok && recent.value ? { recentRequests: recent.value } : {}),
    },
    expiresAt,
    nextRunAt: expiresAt,
  });
  return ok(request(opening, deletion, ctx, deletionKind(ctx.approvers)));
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
): Outcome {
  const refusal = refused(d, target, "confirm", by, ctx.now);
  if (refusal) return err(refusal);
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
export function rejectDeletion(d: Deletion, target: DeletionTarget, by: Person, ctx: DeletionContext): Outcome {
  const refusal = refused(d, target, "keep", by, ctx.now);
  if (refusal) return err(refusal);
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
        tellRequester: msg`${by.name} kept ${d.endpoint}: your request to delete it was turned down, and nothing was deleted.`,
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

/** What the worker read before deleting: whether a rollout runs on the endpoint, and the endpoint as Azure has it. */
export interface DeletionObserved {
  rolloutActive: boolean;
  /** Undefined when the endpoint is gone already (deleted by another way, or by this request before a crash). */
  endpoint?: Pick<EndpointView, "state" | "traffic" | "deployments">;
}

export function reconcileDeletion(d: Deletion, ctx: DeletionContext, seen: DeletionObserved): DeletionDecision {
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
            tellRequester: msg`Your request to delete ${d.endpoint} expired before an approver confirmed it; nothing was deleted.`,
          },
          ctx,
        ),
      };
    }
    return { kind: "wait", until: d.expiresAt };
  }
  if (d.phase === "deleting") {
    // A rollout started between the confirmation and now: deleting would pull the endpoint from under it.
    if (seen.rolloutActive) {
      return {
        kind: "transition",
        transition: failed(d, "A rollout started on it after the request; nothing was deleted.", ctx),
      };
    }
    if (!seen.endpoint) return { kind: "transition", transition: deleted(d, ctx) };
    // Azure's own delete in progress (this request's, before a crash) changes what a read shows: let it finish.
    if (/^deleting$/i.test(seen.endpoint.state)) return { kind: "delete" };
    const changes = changedSince(d.preview, seen.endpoint);
    if (changes.length > 0) {
      return {
        kind: "transition",
        transition: failed(
          d,
          `It changed after the card was made: ${changes.join("; ")}. Nothing was deleted; ask again to see what it is now.`,
          ctx,
        ),
      };
    }
    return { kind: "delete" };
  }
  return { kind: "wait", until: undefined };
}

/**
 * What differs between the card an approver confirmed and the endpoint now: deployments added or removed, a model
 * swapped, traffic moved. (State and instance counts are not what the approver was asked about.)
 */
export function changedSince(preview: DeletionPreview, now: Pick<EndpointView, "traffic" | "deployments">): string[] {
  const before = new Map(preview.deployments.map((x) => [x.name, x.model]));
  const after = new Map(now.deployments.map((x) => [x.name, modelText(x.model)]));
  const changes: string[] = [];
  for (const [name, model] of after) {
    const was = before.get(name);
    if (was === undefined) changes.push(`${name} (${model}) was added`);
    else if (was !== model) changes.push(`${name} now serves ${model} (was ${was})`);
  }
  for (const [name, model] of before) if (!after.has(name)) changes.push(`${name} (${model}) is gone`);
  if (!sameTraffic(preview.traffic, now.traffic)) {
    changes.push(`traffic is ${describeTraffic(now.traffic)} (was ${describeTraffic(preview.traffic)})`);
  }
  return changes;
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
      ...announced(msg`Endpoint ${d.endpoint} was deleted, as ${d.requestedBy.name} asked and ${by} confirmed.`),
    },
    ctx,
  );
}

/** The deletion failed in Azure: a busy or unreachable workspace is tried again; a refusal ends the request. */
export function deletionFailed(d: Deletion, error: WorkspaceError, ctx: DeletionContext): DeletionDecision {
  if (["operation_in_progress", "workspace_throttled", "workspace_unreachable"].includes(error.code)) {
    return { kind: "wait", until: new Date(ctx.now.getTime() + ctx.retryMs) };
  }
  return { kind: "transition", transition: failed(d, `Azure ML did not delete it: ${errorText(error)}`, ctx) };
}

function failed(d: Deletion, reason: string, ctx: DeletionContext): DeletionTransition {
  return change(
    d,
    {
      set: { phase: "failed", nextRunAt: undefined, ending: { reason } },
      what: "the deletion failed",
      action: "deletion.fail",
      outcome: "failed",
      ...announced(msg`Endpoint ${d.endpoint} was not deleted. ${reason}`),
    },
    ctx,
  );
}
