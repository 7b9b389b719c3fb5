import type { EndpointView } from "../../ports/workspace.js";

/** The deployment serving the endpoint's traffic and the slot the new version goes in. */
export type Slots = { ok: true; live: string; candidate: string } | { ok: false; problem: string };

/**
 * Blue/green: the new version goes in `green` beside a live `blue`, and the other way round. A live deployment with
 * another name gets `green` (or `blue` when it is called green-something). The live deployment must carry all the
 * traffic: a rollout starts from one deployment, not from a split someone else is running.
 */
export function chooseSlots(endpoint: EndpointView): Slots {
  const live = Object.entries(endpoint.traffic).filter(([, share]) => share > 0);
  if (live.length === 0) {
    return { ok: false, problem: `${endpoint.name} takes no live traffic yet, so there is nothing to roll out from` };
  }
  const [first] = live;
  if (live.length > 1 || !first || first[1] !== 100) {
    const split = live.map(([name, share]) => `${name} ${share}%`).join(", ");
    return {
      ok: false,
      problem: `${endpoint.name}'s traffic is split (${split}); a rollout starts from one deployment taking all of it`,
    };
  }
  const name = first[0];
  const candidate = name.toLowerCase() === "blue" ? "green" : name.toLowerCase().startsWith("green") ? "blue" : "green";
  return { ok: true, live: name, candidate };
}
