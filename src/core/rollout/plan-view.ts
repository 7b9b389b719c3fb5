import type { Markdown } from "../../ports/notifier.js";
import type { EndpointView } from "../../ports/workspace.js";
import { escapeMarkdown as md, joined, msg } from "../views/markdown.js";
import { describeTraffic, parsePlan, PLAN_TAG, trafficAfter } from "./plan.js";
import { chooseSlots } from "./slots.js";

/** The plan card: what a rollout on the endpoint would do, as facts (plan, steps; bake and gates join them later). */
export interface PlanView {
  title: Markdown;
  summary: Markdown;
  facts: { title: string; value: string }[];
  /** Why `deploy` would be refused on this endpoint ("" when it would start). */
  problem: Markdown;
}

/**
 * What `deploy` would do on the endpoint, read from its tags the way deploy reads them: the plan (the
 * `greenlight-plan` tag, else the default), and the traffic after each step between the live deployment and the slot
 * the new version would take.
 */
export function planView(endpoint: EndpointView): PlanView {
  const tag = endpoint.tags[PLAN_TAG];
  const plan = parsePlan(tag);
  const slots = chooseSlots(endpoint);
  const refusals = [
    endpoint.computeType === "Kubernetes" ? "it is a Kubernetes endpoint, which GreenLight shows read-only" : undefined,
    slots.ok ? undefined : slots.problem,
    plan.ok ? undefined : plan.problem,
  ].filter((problem) => problem !== undefined);
  // Without one live deployment the steps still show the shares, between the live and the new deployment.
  const pair = slots.ok ? slots : { live: "live", candidate: "new" };
  const steps = plan.ok ? plan.plan : [];
  return {
    title: msg`What a rollout on ${endpoint.name} would do`,
    summary: slots.ok
      ? msg`The new version goes in ${slots.candidate} beside ${slots.live}; each step below waits for an approver.`
      : msg`Each step below waits for an approver.`,
    facts: [
      {
        title: "Plan",
        value:
          tag === undefined || tag.trim() === "" ? msg`default (no ${PLAN_TAG} tag)` : msg`${PLAN_TAG} tag: ${tag}`,
      },
      ...steps.map((_, step) => ({
        title: `Step ${step + 1}`,
        value: md(describeTraffic(trafficAfter({ plan: steps, ...pair }, step))),
      })),
    ],
    problem: refusals.length ? msg`Deploy would be refused: ${joined(refusals.map(md), "; ")}.` : ("" as Markdown),
  };
}
