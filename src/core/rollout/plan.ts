import type { PlanStep, Rollout, Traffic } from "../../ports/rollouts.js";

/** The candidate's share after each step when an endpoint names no plan: blue/green 90/10 → 10/90 → 0/100. */
export const DEFAULT_PLAN: readonly PlanStep[] = [10, 90, 100];

/** The endpoint tag that sets its plan, so the plan travels with the endpoint in Azure (e.g. "10,50,100"). */
export const PLAN_TAG = "greenlight-plan";

const MAX_STEPS = 10;
/** Azure mirrors at most half of an endpoint's traffic (reference: progressive-delivery §3). */
export const MAX_MIRROR_PERCENT = 50;

/**
 * Reads a plan tag: the candidate's percentages, rising, each 1–100, ending at 100 ("10,50,100"; "90/10,0/100" as
 * live/candidate pairs is accepted too), optionally led by a mirror step ("mirror 20, 10, 90, 100": Azure copies 20 %
 * of the live requests to the new deployment and discards its answers). The default plan when the tag is absent; an
 * error message when it is malformed.
 */
export function parsePlan(tag: string | undefined): { ok: true; plan: PlanStep[] } | { ok: false; problem: string } {
  if (tag === undefined || tag.trim() === "") return { ok: true, plan: [...DEFAULT_PLAN] };
  const parts = tag
    .replace(/mirror\s*[:=]?\s*/gi, "mirror:")
    .split(/[,;\s]+/)
    .filter(Boolean);
  const plan = parts.map(readStep);
  const [first, ...rest] = plan;
  const mirror = typeof first === "object" ? first.mirror : undefined;
  const live = (mirror === undefined ? plan : rest).map((p) => (typeof p === "number" ? p : NaN));
  const rising = live.every((p, i) => Number.isInteger(p) && p >= 1 && p <= 100 && (i === 0 || p > (live[i - 1] ?? 0)));
  const mirrorOk = mirror === undefined || (Number.isInteger(mirror) && mirror >= 1 && mirror <= MAX_MIRROR_PERCENT);
  if (!rising || !mirrorOk || live.length === 0 || plan.length > MAX_STEPS || live[live.length - 1] !== 100) {
    return {
      ok: false,
      problem:
        `tag ${PLAN_TAG} is '${tag.slice(0, 60)}'; it must list the new deployment's share after each step, rising ` +
        `and ending at 100, at most ${MAX_STEPS} steps (e.g. 10,90,100), optionally led by a mirror step of 1–` +
        `${MAX_MIRROR_PERCENT} % (e.g. mirror 20, 10, 90, 100)`,
    };
  }
  return { ok: true, plan: mirror === undefined ? live : [{ mirror }, ...live] };
}

function readStep(part: string): PlanStep {
  const mirror = /^mirror:(\d{1,3})%?$/i.exec(part);
  if (mirror) return { mirror: Number(mirror[1]) };
  const pair = /^(\d{1,3})\/(\d{1,3})$/.exec(part);
  if (pair) return Number(pair[1]) + Number(pair[2]) === 100 ? Number(pair[2]) : NaN;
  return /^\d{1,3}%?$/.test(part) ? Number(part.replace("%", "")) : NaN;
}

/** The new deployment's share of live traffic after a step (a mirror step gives it none). */
export const liveShareOf = (step: PlanStep | undefined): number => (typeof step === "number" ? step : 0);

/** The share of live traffic a mirror step copies to the new deployment; undefined for a live step. */
export const mirrorShareOf = (step: PlanStep | undefined): number | undefined =>
  typeof step === "object" ? step.mirror : undefined;

/** A rollout's plan and slots; its starting traffic too where known (before a rollout exists, all on the live one). */
type Steps = Pick<Rollout, "plan" | "live" | "candidate"> & Partial<Pick<Rollout, "startTraffic" | "baseline">>;

/**
 * The endpoint's live traffic after step `step` of the rollout: the candidate takes its share from the live
 * deployment; a mirror step leaves it as it was.
 */
export function trafficAfter(rollout: Steps, step: number): Traffic {
  const planned = rollout.plan[step];
  if (mirrorShareOf(planned) !== undefined) return trafficBefore(rollout, step);
  const share = planned === undefined ? 100 : liveShareOf(planned);
  return share === 100 ? { [rollout.candidate]: 100 } : { [rollout.live]: 100 - share, [rollout.candidate]: share };
}

/** The endpoint's mirror traffic after step `step`: the mirror step's share to the candidate; none after a live step. */
export function mirrorAfter(rollout: Pick<Rollout, "plan" | "candidate">, step: number): Traffic {
  const mirror = mirrorShareOf(rollout.plan[step]);
  return mirror === undefined ? {} : { [rollout.candidate]: mirror };
}

/**
 * The traffic the rollout expects before step `step` is applied: what a person accepted after a pause, else the start
 * or the previous step's result.
 */
export function trafficBefore(rollout: Steps, step: number): Traffic {
  if (rollout.baseline?.step === step) return rollout.baseline.traffic;
  return step === 0 ? (rollout.startTraffic ?? { [rollout.live]: 100 }) : trafficAfter(rollout, step - 1);
}

/** The mirror traffic the rollout expects before step `step`: the previous step's, none at the start. */
export function mirrorBefore(rollout: Pick<Rollout, "plan" | "candidate" | "baseline">, step: number): Traffic {
  if (rollout.baseline?.step === step || step === 0) return {};
  return mirrorAfter(rollout, step - 1);
}

/** A plan in short: "mirror 20 % → 10 % → 90 % → 100 %". */
export const planText = (plan: readonly PlanStep[]): string =>
  plan.map((p) => (typeof p === "number" ? `${p} %` : `mirror ${p.mirror} %`)).join(" → ");

/** A step as people read it: "blue 90 / green 10", or "mirror 20 % to green (blue 100)". */
export function describeStep(rollout: Steps, step: number): string {
  const mirror = mirrorShareOf(rollout.plan[step]);
  const live = describeTraffic(trafficAfter(rollout, step));
  return mirror === undefined ? live : `mirror ${mirror} % to ${rollout.candidate} (${live})`;
}

/** "blue 90 / green 10", and the mirror when there is one: "blue 100, mirror green 20". */
export function describeSplit(traffic: Traffic, mirror: Traffic): string {
  const mirrored = Object.entries(mirror).filter(([, v]) => v > 0);
  const live = describeTraffic(traffic);
  return mirrored.length ? `${live}, mirror ${mirrored.map(([k, v]) => `${k} ${v}`).join(" / ")}` : live;
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
    case "baking":
      return [trafficAfter(r, r.step)];
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
