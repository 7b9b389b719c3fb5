import type { Deletion, DeletionPhase } from "../../ports/deletions.js";
import type { Notice } from "../../ports/notifier.js";
import { describeTraffic } from "../rollout/plan.js";
import { escapeMarkdown as md } from "../views/markdown.js";

/** The data of `cards/deletion.card.json`. Its buttons carry the request and its version: a click is bound to them. */
export interface DeletionCardView {
  title: string;
  phase: string;
  tone: string;
  facts: { title: string; value: string }[];
  deployments: { name: string; value: string }[];
  timeline: { at: string; text: string }[];
  ending: string;
  waiting: boolean;
  confirmLabel: string;
  deleteTitle: string;
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

export function deletionCardView(d: Deletion): DeletionCardView {
  const waiting = d.phase === "awaiting_approval";
  const traffic = d.preview.traffic;
  const requests = d.preview.recentRequests;
  return {
    title: `Delete endpoint ${md(d.endpoint)}?`,
    phase: PHASE_TEXT[d.phase],
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
      ...(d.expiresAt && waiting
        ? [{ title: "Expires", value: `${d.expiresAt.toISOString().replace("T", " ").slice(0, 16)} UTC` }]
        : []),
      ...(d.approvedBy ? [{ title: "Confirmed by", value: md(d.approvedBy.by.name) }] : []),
    ],
    deployments: d.preview.deployments.map((x) => ({
      name: md(x.name),
      value: `${md(x.model)} · ${traffic[x.name] ?? 0}% traffic · ${md(x.state)} · ${md(x.instances)}`,
    })),
    timeline: d.timeline.slice(-8).map((e) => ({
      at: e.at.toISOString().slice(5, 16).replace("T", " "),
      text: `${md(e.what)}${e.by ? ` · ${md(e.by.name)}` : ""}`,
    })),
    ending: d.ending ? `${md(d.ending.reason)}${d.ending.detail ? `\n\n${md(d.ending.detail)}` : ""}` : "",
    waiting,
    confirmLabel: `To delete it, type its name (${md(d.endpoint)}) — someone other than ${md(d.requestedBy.name)}`,
    deleteTitle: `Delete ${md(d.endpoint)}`,
    data: { deletion: d.id, version: d.version },
  };
}

export function deletionNotice(d: Deletion): Notice {
  return { kind: "card", card: "deletion", data: deletionCardView(d) };
}
