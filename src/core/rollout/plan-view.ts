import type { Markdown } from "../../ports/notifier.js";
import type { EndpointView } from "../../ports/workspace.js";
import { escapeMarkdown as md, joined, msg } from "../views/markdown.js";
import { describeStep, parsePlan, PLAN_TAG } from "./plan.js";
import { evidenceSettings, settingsProblems } from "../evidence/settings.js";
import { settingsFacts } from "../evidence/evidence-view.js";
import { gateSettingDefaults, type GateDefaults } from "./events.js";
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
export function planView(endpoint: EndpointView, defaults: GateDefaults): PlanView {
  const tag = endpoint.tags[PLAN_TAG];
  const plan = parsePlan(tag);
  const slots = chooseSlots(endpoint);
  const settings = evidenceSettings(endpoint.tags, gateSettingDefaults(defaults));
  const mirrored = Object.entries(endpoint.mirrorTraffic).filter(([, share]) => share > 0);
  const refusals = [
    endpoint.computeType === "Kubernetes" ? "it is a Kubernetes endpoint, which GreenLight shows read-only" : undefined,
    slots.ok ? undefined : slots.problem,
    plan.ok ? undefined : plan.problem,
    ...settingsProblems(settings),
    mirrored.length
      ? `it mirrors traffic to ${mirrored.map(([name]) => name).join(", ")}; clear that first`
      : undefined,
  ].filter((problem) => problem !== undefined);
  // Without one live deployment the steps still show the shares, between the live and the new deployment.
  const pair = slots.ok ? slots : { live: "live", candidate: "new" };
  const steps = plan.ok ? plan.plan : [];
  return {
    title: msg`What a rollout on ${endpoint.name} would do`,
    summary: slots.ok
      ? msg`The new version goes in ${slots.candidate} beside ${slots.live}; after each step it bakes while the gates watch it, then the next step waits for an approver. A breach puts the starting traffic back at once.`
      : msg`After each step the new version bakes while the gates watch it, then the next step waits for an approver.`,
    facts: [
      {
        title: "Plan",
        value:
          tag === undefined || tag.trim() === "" ? msg`default (no ${PLAN_TAG} tag)` : msg`${PLAN_TAG} tag: ${tag}`,
      },
      ...steps.map((_, step) => ({
        title: `Step ${step + 1}`,
        value: md(describeStep({ plan: steps, ...pair }, step)),
      })),
      ...settingsFacts(settings),
    ],
    problem: refusals.length ? msg`Deploy would be refused: ${joined(refusals.map(md), "; ")}.` : ("" as Markdown),
  };
}
