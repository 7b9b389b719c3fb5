import type { Mention, Notice } from "../../ports/notifier.js";
import type { Rollout, RolloutPhase, Traffic } from "../../ports/rollouts.js";
import { samePerson, type Viewer } from "../people/identity.js";
import type { Action } from "../vocabulary/command.js";
import { refusalText, type UserError } from "../errors.js";
import { escapeMarkdown as md } from "../views/markdown.js";
import { minuteText, timeOfDayText } from "../views/time.js";
import { describeStep, describeTraffic, trafficAfter, trafficBefore } from "./plan.js";
import { blockedBySmokeTest, smokeTestBlockLine } from "./smoke-test-block.js";
import { mayDecide } from "../change/decision.js";
import { ROLLOUT_DECISIONS, type RolloutCardDecision } from "./decisions.js";
import { smokeView, type SmokeView } from "./smoke-test-view.js";
import { evidenceView, type EvidenceView } from "../evidence/evidence-view.js";

/**
 * The data of `cards/rollout.card.json`. The card everyone sees has no decision buttons; each person who may act gets
 * a view of their own with theirs (Teams refreshes it for them; elsewhere "Show my options" asks for it). Buttons carry
 * the rollout, its step and version: a click is bound to them.
 */
export interface RolloutCardView {
  title: string;
  /** What the rollout is doing or waiting for, in a line. */
  phase: string;
  /** Good / Attention / Warning / Accent / Default: the phase line's colour. */
  tone: string;
  facts: { title: string; value: string }[];
  /** The gates' last reading of the traffic the new deployment takes, when they have one. */
  evidence?: EvidenceView & { heading: string };
  smoke: SmokeView["smoke"];
  smokeSummary: string;
  smokeRule: string;
  timeline: { at: string; text: string }[];
  ending: string;
  actions: {
    approve?: { title: string };
    reject?: boolean;
    override?: boolean;
    endBake?: boolean;
    retire?: { title: string };
    keep?: { title: string };
    resume?: { title: string };
    restore?: { title: string };
  };
  /** For this viewer: why they have no button, or what their buttons do ("" on the card everyone sees). */
  viewerNote: string;
  /** On the card everyone sees while a person must act: a button that asks for one's own view. */
  offerView: boolean;
  /** While a person must act, Teams refreshes the card for those who may, each getting their own view. */
  refresh: boolean;
  /** The label of the reason box, when this viewer has a button that takes a reason. */
  reasonLabel: string;
  /** A refused click's reason, shown on the card it was made on ("" otherwise). */
  refusal: string;
  /** What the viewer had typed, kept when their click was refused. */
  typed: { reason: string };
  data: { rollout: string; step: number; version: number };
}

/** The rollout card: as everyone sees it, or (with a viewer) with the buttons that person may use. */
export function rolloutCardView(
  r: Rollout,
  viewer?: Viewer,
  after: { refusal?: UserError; typed?: { reason?: string | undefined } } = {},
): RolloutCardView {
  const stepCount = r.plan.length;
  const facts = [
    { title: "Endpoint", value: md(r.endpoint) },
    { title: "New version", value: `${md(`${r.model.name}:${r.model.version}`)} in ${md(r.candidate)}` },
    { title: oldDeploymentTitle(r), value: oldDeploymentText(r) },
    { title: "Requested by", value: md(r.requestedBy.name) },
    trafficFact(r),
    {
      title: "Plan",
      value: r.plan.map((_, i) => md(describeStep(r, i))).join(" → "),
    },
  ];
  if (r.phase === "awaiting_approval" || r.phase === "shifting" || r.phase === "baking") {
    facts.push({ title: `Step ${r.step + 1} of ${stepCount}`, value: md(describeStep(r, r.step)) });
  }
  if (r.phase === "baking" && r.bakeUntil) facts.push({ title: "Bake ends", value: minuteText(r.bakeUntil) });
  if (r.expiresAt && (r.phase === "awaiting_approval" || r.phase === "promoted")) {
    facts.push({ title: "Expires", value: minuteText(r.expiresAt) });
  }
  if (r.override) {
    facts.push({ title: "Smoke test overridden by", value: `${md(r.override.by.name)}: ${md(r.override.reason)}` });
  }
  const actions = viewer ? actionsFor(r, viewer) : {};
  return {
    title: `Rollout of ${md(`${r.model.name}:${r.model.version}`)} to ${md(r.endpoint)}`,
    phase: md(stateLine(r)),
    tone: toneOf(r),
    facts,
    ...(r.evidence ? { evidence: { heading: evidenceHeading(r), ...evidenceView(r.evidence) } } : {}),
    ...smokeView(r),
    timeline: r.timeline.slice(-12).map((e) => ({
      at: minuteText(e.at),
      text: `${md(e.what)}${e.by ? ` · ${md(e.by.name)}` : ""}`,
    })),
    ending: r.ending ? `${md(r.ending.reason)}${r.ending.detail ? `\n\n${md(r.ending.detail)}` : ""}` : "",
    actions,
    viewerNote: viewer ? viewerNote(r, viewer, actions) : "",
    offerView: !viewer && needsPerson(r),
    refresh: needsPerson(r),
    reasonLabel: reasonLabel(actions),
    refusal: after.refusal ? refusalText(after.refusal) : "",
    typed: { reason: after.typed?.reason ?? "" },
    data: { rollout: r.id, step: r.step, version: r.version },
  };
}

/**
 * The card everyone sees, as a message the outbox posts or updates; while a person must act, it refreshes itself for
 * the approvers, the admins and the requester, each into their own view.
 */
export function rolloutNotice(
  r: Rollout,
  people: { approvers: readonly Mention[]; admins: readonly Mention[] },
): Notice {
  const view = rolloutCardView(r);
  if (!view.refresh) return { kind: "card", card: "rollout", data: view };
  const directoryIds = [...new Set([...people.approvers, ...people.admins].map((m) => m.id))];
  return { kind: "card", card: "rollout", data: view, audience: { teamsIds: [r.requestedBy.id], directoryIds } };
}

/** "Gates since 14:03 UTC: green (new) against blue (live)": the traffic the evidence judged began then. */
const evidenceHeading = (r: Rollout): string =>
  md(
    `Gates${r.appliedAt ? ` since ${timeOfDayText(r.appliedAt)}` : ""}: ${r.candidate} (new) against ${r.live} (live)`,
  );

/** What the rollout is doing, or exactly what it waits for and from whom: the card's state line, and `status`'s. */
export function stateLine(r: Rollout): string {
  const step = `step ${r.step + 1} of ${r.plan.length} (${describeStep(r, r.step)})`;
  switch (r.phase) {
    case "requested":
      return `Preparing ${r.candidate} beside ${r.live}`;
    case "deploying":
      return `Deploying ${r.candidate} (0 % traffic)`;
    case "smoke_testing":
      return "Smoke test running";
    case "awaiting_approval":
      return blockedBySmokeTest(r)
        ? smokeTestBlockLine(r)
        : `Waiting for an approver other than ${r.requestedBy.name} to approve ${step}`;
    case "shifting":
      return `Shifting traffic: ${step}`;
    case "baking": {
      const then = r.step + 1 >= r.plan.length ? `whether to retire ${r.live}` : `step ${r.step + 2}`;
      const until = r.bakeUntil ? ` until ${timeOfDayText(r.bakeUntil)}` : "";
      return `Baking ${step}${until}: the gates watch ${r.candidate}, then approvers are asked for ${then}`;
    }
    case "promoted":
      return `All traffic on ${r.candidate} — waiting for an approver to retire ${r.live} or keep it`;
    case "retiring":
      return `Deleting ${r.live}`;
    case "restoring":
      return r.restore?.failures
        ? `Restoring the starting traffic: Azure refused ${r.restore.failures} time(s) (${r.restore.lastError ?? "no reason given"}); trying again${r.nextRunAt ? ` at ${timeOfDayText(r.nextRunAt)}` : ""}`
        : `Restoring the starting traffic (${describeTraffic(r.startTraffic)})`;
    case "paused":
      return "Paused: traffic changed outside GreenLight — waiting for someone to continue from it or restore the start";
    case "resuming":
      return "Continuing from the traffic Azure has";
    case "completed":
      return r.oldDeployment === "deleted" ? `Completed: ${r.live} retired` : "Completed";
    case "rejected":
      return "Rejected: starting traffic restored";
    case "failed":
      return "Failed";
    case "expired":
      return "Expired: starting traffic restored";
    case "rolled_back":
      return "Rolled back: starting traffic restored";
  }
}

const TONE: Partial<Record<RolloutPhase, string>> = {
  completed: "Good",
  promoted: "Good",
  failed: "Attention",
  paused: "Warning",
  rejected: "Warning",
  expired: "Warning",
  rolled_back: "Warning",
  awaiting_approval: "Accent",
  baking: "Accent",
};

function toneOf(r: Rollout): string {
  if (r.phase === "awaiting_approval" && blockedBySmokeTest(r)) return "Attention";
  if (r.phase === "restoring" && r.restore?.failures) return "Attention";
  return TONE[r.phase] ?? "Default";
}

/** Whether a person must act now: the card everyone sees then offers "Show my options". */
const needsPerson = (r: Rollout): boolean =>
  r.phase === "awaiting_approval" ||
  r.phase === "baking" ||
  r.phase === "promoted" ||
  r.phase === "paused" ||
  (r.phase === "restoring" && (r.restore?.failures ?? 0) > 0);

/** The traffic as Azure last said, and when; before the first read, what the rollout started from. */
function trafficFact(r: Rollout): { title: string; value: string } {
  if (!r.trafficSeen) return { title: "Traffic", value: md(describeTraffic(r.startTraffic)) };
  return {
    title: "Traffic now",
    value: `${md(describeTraffic(r.trafficSeen.traffic))} (read ${timeOfDayText(r.trafficSeen.at)})`,
  };
}

const oldDeploymentTitle = (r: Rollout): string =>
  r.phase === "promoted" || r.phase === "retiring" || r.phase === "completed" ? "Old deployment" : "Live deployment";

function oldDeploymentText(r: Rollout): string {
  const name = `${md(r.live)}${r.liveModel ? ` (${md(r.liveModel)})` : ""}`;
  if (r.oldDeployment === "deleted") return `${name} — deleted`;
  if (r.oldDeployment === "kept") return `${name} — kept at 0 %`;
  return name;
}

/** The buttons `viewer` may use now: their roles allow it, and a decision that needs a second person is not theirs. */
function actionsFor(r: Rollout, viewer: Viewer): RolloutCardView["actions"] {
  const may = (action: Action): boolean => viewer.may(action);
  const decides = (d: RolloutCardDecision): boolean => mayDecide(ROLLOUT_DECISIONS[d], r.requestedBy, viewer.person);
  switch (r.phase) {
    case "awaiting_approval":
      if (blockedBySmokeTest(r)) {
        return {
          ...(may("rollout.override") && decides("override") ? { override: true } : {}),
          ...(may("rollout.reject") ? { reject: true } : {}),
        };
      }
      return {
        ...(may("rollout.approve") && decides("approve") ? { approve: { title: `Approve step ${r.step + 1}` } } : {}),
        ...(may("rollout.reject") ? { reject: true } : {}),
      };
    case "baking": {
      const next = r.step + 1 < r.plan.length ? r.step + 2 : undefined;
      return {
        ...(next && may("rollout.approve") && decides("approve") ? { approve: { title: `Approve step ${next}` } } : {}),
        ...(may("rollout.reject") ? { reject: true } : {}),
        ...(may("rollout.end_bake") ? { endBake: true } : {}),
      };
    }
    case "promoted":
      return may("rollout.retire") && decides("retire")
        ? { retire: { title: `Retire ${md(r.live)}` }, keep: { title: `Keep ${md(r.live)}` } }
        : {};
    case "paused": {
      const found = r.trafficSeen?.traffic;
      return {
        ...(may("rollout.resume") && decides("resume") && found
          ? { resume: { title: `Continue from ${md(describeTraffic(found))}` } }
          : {}),
        ...(may("rollout.restore") ? { restore: { title: `Restore ${md(describeTraffic(r.startTraffic))}` } } : {}),
      };
    }
    case "restoring":
      return may("rollout.restore") && r.restore?.failures ? { restore: { title: "Try restoring again now" } } : {};
    default:
      return {};
  }
}

function reasonLabel(actions: RolloutCardView["actions"]): string {
  if (actions.endBake) return "A reason: required to end the bake early, optional to reject";
  if (actions.override && actions.reject) return "A reason: required to override the smoke test, optional to reject";
  if (actions.override) return "Why is it safe to override the failed smoke test?";
  if (actions.reject) return "Why reject? (optional; shown on the card and kept in the audit log)";
  return "";
}

function viewerNote(r: Rollout, viewer: Viewer, actions: RolloutCardView["actions"]): string {
  const mine = samePerson(r.requestedBy, viewer.person) === "same";
  const any = Object.keys(actions).length > 0;
  if (!needsPerson(r)) return "";
  if (
    mine &&
    (r.phase === "awaiting_approval" || r.phase === "baking" || r.phase === "promoted" || r.phase === "paused")
  ) {
    return any
      ? "You asked for this rollout, so another approver decides its steps; you can still reject or restore it."
      : "You asked for this rollout, so another approver decides its steps.";
  }
  if (!any) return "Nothing here for you to decide: approvers (and admins, for a failed smoke test) act on this card.";
  return "";
}

/** The traffic the rollout has set (or expects) at this point: what `status` shows before Azure was read. */
export function currentTraffic(r: Rollout): Traffic {
  if (r.trafficSeen) return r.trafficSeen.traffic;
  switch (r.phase) {
    case "promoted":
    case "retiring":
    case "completed":
      return trafficAfter(r, r.plan.length - 1);
    case "awaiting_approval":
    case "shifting":
      return trafficBefore(r, r.step);
    case "baking":
      return trafficAfter(r, r.step);
    default:
      return r.startTraffic;
  }
}
