import type { Rollout, Traffic } from "../../ports/rollouts.js";

/** The candidate's share after each step when an endpoint names no plan: blue/green 90/10 → 10/90 → 0/100. */
export const DEFAULT_PLAN: readonly number[] = [10, 90, 100];

/** The endpoint tag that sets its plan, so the plan travels with the endpoint in Azure (e.g. "10,50,100"). */
export const PLAN_TAG = "greenlight-plan";

const MAX_STEPS = 10;

/**
 * Reads a plan tag: the candidate's percentages, rising, each 1–100, ending at 100 ("10,50,100"; "90/10,0/100" as
 * live/candidate pairs is accepted too). Undefined when the tag is absent; an error message when it is malformed.
 */
export function parsePlan(tag: string | undefined): { ok: true; plan: number[] } | { ok: false; problem: string } {
  if (tag === undefined || tag.trim() === "") return { ok: true, plan: [...DEFAULT_PLAN] };
  const parts = tag.split(/[,;\s]+/).filter(Boolean);
  const plan = parts.map((part) => {
    const pair = /^(\d{1,3})\/(\d{1,3})$/.exec(part);
    if (pair) return Number(pair[1]) + Number(pair[2]) === 100 ? Number(pair[2]) : NaN;
    return /^\d{1,3}$/.test(part) ? Number(part) : NaN;
  });
  const rising = plan.every((p, i) => Number.isInteger(p) && p >= 1 && p <= 100 && (i === 0 || p > (plan[i - 1] ?? 0)));
  if (!rising || plan.length === 0 || plan.length > MAX_STEPS || plan[plan.length - 1] !== 100) {
    return {
      ok: false,
      problem:
        `tag ${PLAN_TAG} is '${tag.slice(0, 60)}'; it must list the new deployment's share after each step, rising ` +
        `and ending at 100, at most ${MAX_STEPS} steps (e.g. 10,90,100)`,
    };
  }
  return { ok: true, plan };
}

/** The endpoint's traffic after step `step` of the rollout: the candidate takes its share from the live deployment. */
export function trafficAfter(
  rollout: Pick<Rollout, "plan" | "live" | "candidate">,
  step: number,
): Record<string, number> {
  const share = rollout.plan[step] ?? 100;
  return share === 100 ? { [rollout.candidate]: 100 } : { [rollout.live]: 100 - share, [rollout.candidate]: share };
}

/**
 * The traffic the rollout expects before step `step` is applied: what a person accepted after a pause, else the start
 * or the previous step's result.
 */
export function trafficBefore(
  rollout: Pick<Rollout, "plan" | "live" | "candidate" | "startTraffic" | "baseline">,
  step: number,
): Traffic {
  if (rollout.baseline?.step === step) return rollout.baseline.traffic;
  return step === 0 ? rollout.startTraffic : trafficAfter(rollout, step - 1);
}

/** "blue 90 / green 10". */
export function describeTraffic(traffic: Record<string, number>): string {
  const shown = Object.entries(traffic)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return shown.length ? shown.map(([k, v]) => `${k} ${v}`).join(" / ") : "no live traffic";
}

/** Two traffic maps say the same thing (deployments at 0 % may be listed or left out). */
export function sameTraffic(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/**
 * The traffic GreenLight may have left on the endpoint at this point of the rollout: what it set, or (while a shift
 * runs) what it was about to replace. Anything else on the endpoint is someone else's doing.
 */
export function expectedTraffic(r: Rollout): Traffic[] {
  switch (r.phase) {
    case "requested":
    case "deploying":
    case "smoke_testing":
      return [r.startTraffic];
    case "awaiting_approval":
      return [trafficBefore(r, r.step)];
    case "shifting":
      return [trafficBefore(r, r.step), trafficAfter(r, r.step)];
    case "promoted":
    case "retiring":
      return [trafficAfter(r, r.plan.length - 1)];
    case "paused":
    case "resuming":
      return r.trafficSeen ? [r.trafficSeen.traffic] : [];
    case "restoring":
      return r.restore?.from ?? [];
    case "completed":
    case "rejected":
    case "failed":
    case "expired":
    case "rolled_back":
      return [];
  }
}

/** The deployments other than the rollout's two that take traffic ("red 20"), if any. */
export function otherDeployments(r: Pick<Rollout, "live" | "candidate">, traffic: Traffic): string[] {
  return Object.entries(traffic)
    .filter(([name, share]) => share > 0 && name !== r.live && name !== r.candidate)
    .map(([name]) => name);
}
