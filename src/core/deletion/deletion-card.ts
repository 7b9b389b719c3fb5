import type { Deletion, DeletionPhase } from "../../ports/deletions.js";
import type { Mention, Notice } from "../../ports/notifier.js";
import type { Viewer } from "../people/identity.js";
import { mayDecide } from "../change/decision.js";
import { DELETION_DECISIONS } from "./decisions.js";
import { describeTraffic } from "../rollout/plan.js";
import { refusalText, type UserError } from "../errors.js";
import { escapeMarkdown as md } from "../views/markdown.js";
import { minuteText } from "../views/time.js";

/**
 * The data of `cards/deletion.card.json`. The card everyone sees has no buttons; an approver's own view has the name box
 * and Delete (when they are not the requester) and Keep it. Buttons carry the request and its version.
 */
export interface DeletionCardView {
  title: string;
  phase: string;
  tone: string;
  facts: { title: string; value: string }[];
  deployments: { name: string; value: string }[];
  timeline: { at: string; text: string }[];
  ending: string;
  /** This viewer may confirm: an approver other than the requester. */
  canConfirm: boolean;
  /** This viewer may keep the endpoint: any approver. */
  canKeep: boolean;
  viewerNote: string;
  /** On the card everyone sees while it waits: a button that asks for one's own view. */
  offerView: boolean;
  /** While it waits, Teams refreshes the card for those who may act, each getting their own view. */
  refresh: boolean;
  confirmLabel: string;
  deleteTitle: string;
  /** A refused click's reason, shown on the card it was made on ("" otherwise). */
  refusal: string;
  /** What the viewer had typed, kept when their click was refused. */
  typed: { confirm: string };
  data: { deletion: string; version: number };
}

const PHASE_TEXT: Record<DeletionPhase, string> = {
  awaiting_approval: "Waiting for an approver to confirm",
  deleting: "Deleting the endpoint and its deployments",
  deleted: "Deleted",
  rejected: "Kept: the deletion was rejected",
  expired: "Kept: no approver confirmed in time",
  failed: "Not deleted",
};

/** What the request is doing or waiting for, in a line. */
export function deletionStateLine(d: Deletion): string {
  return d.phase === "awaiting_approval"
    ? `Waiting for an approver other than ${d.requestedBy.name} to confirm`
    : PHASE_TEXT[d.phase];
}

export function deletionCardView(
  d: Deletion,
  viewer?: Viewer,
  after: { refusal?: UserError; typed?: { confirm?: string } } = {},
): DeletionCardView {
  const waiting = d.phase === "awaiting_approval";
  const traffic = d.preview.traffic;
  const requests = d.preview.recentRequests;
  const approver = viewer !== undefined && viewer.may("deletion.approve");
  const second = viewer !== undefined && mayDecide(DELETION_DECISIONS.confirm, d.requestedBy, viewer.person);
  const canConfirm = waiting && approver && second;
  const canKeep = waiting && viewer !== undefined && viewer.may("deletion.reject");
  return {
    title: `Delete endpoint ${md(d.endpoint)}?`,
    phase: md(deletionStateLine(d)),
    tone: d.phase === "deleted" ? "Attention" : waiting ? "Warning" : "Default",
    facts: [
      { title: "Requested by", value: md(d.requestedBy.name) },
      { title: "Scoring URI", value: md(d.preview.scoringUri ?? "none") },
      { title: "Traffic", value: md(describeTraffic(traffic)) },
      {
        title: "Recent requests",
        value: requests
          ? Object.entries(requests)
              .map(([k, v]) => `${md(k)} ${v}`)
              .join(" · ") || "none"
          : "not reported by this workspace",
      },
      ...(d.expiresAt && waiting ? [{ title: "Expires", value: minuteText(d.expiresAt) }] : []),
      ...(d.approvedBy ? [{ title: "Confirmed by", value: md(d.approvedBy.by.name) }] : []),
    ],
    deployments: d.preview.deployments.map((x) => ({
      name: md(x.name),
      value: `${md(x.model)} · ${traffic[x.name] ?? 0}% traffic · ${md(x.state)} · ${md(x.instances)}`,
    })),
    timeline: d.timeline.slice(-8).map((e) => ({
      at: minuteText(e.at),
      text: `${md(e.what)}${e.by ? ` · ${md(e.by.name)}` : ""}`,
    })),
    ending: d.ending ? `${md(d.ending.reason)}${d.ending.detail ? `\n\n${md(d.ending.detail)}` : ""}` : "",
    canConfirm,
    canKeep,
    viewerNote: !viewer || !waiting ? "" : noteFor(approver, second),
    offerView: !viewer && waiting,
    refresh: waiting,
    confirmLabel: `To delete it, type its name (${md(d.endpoint)})`,
    deleteTitle: `Delete ${md(d.endpoint)}`,
    refusal: after.refusal ? refusalText(after.refusal) : "",
    typed: { confirm: after.typed?.confirm ?? "" },
    data: { deletion: d.id, version: d.version },
  };
}

function noteFor(approver: boolean, second: boolean): string {
  if (!approver) return "Nothing here for you to decide: an approver confirms or keeps it.";
  if (!second) return "You asked for this deletion, so another approver confirms it; you can still keep the endpoint.";
  return "";
}

/** The card everyone sees, as a message the outbox posts or updates; while it waits, it refreshes for the approvers. */
export function deletionNotice(d: Deletion, approvers: readonly Mention[]): Notice {
  const view = deletionCardView(d);
  if (!view.refresh) return { kind: "card", card: "deletion", data: view };
  const directoryIds = [...new Set(approvers.map((m) => m.id))];
  return { kind: "card", card: "deletion", data: view, audience: { teamsIds: [d.requestedBy.id], directoryIds } };
}
