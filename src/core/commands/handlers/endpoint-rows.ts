import type { DeploymentView, EndpointView } from "../../../ports/workspace.js";
import type { DeploymentRow } from "../../views/views.js";

/** How endpoints read on cards: "blue 90% · green 10%", "diabetes:2". */
export const trafficText = (traffic: Record<string, number>): string =>
  Object.entries(traffic)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}%`)
    .join(" · ") || "no live traffic";

/** One deployment's row on a card: its model, its share of live and mirror traffic, its state. */
export function deploymentRow(endpoint: EndpointView, d: DeploymentView): DeploymentRow {
  return {
    name: d.name,
    model: modelText(d.model),
    traffic: endpoint.traffic[d.name] ?? 0,
    mirror: endpoint.mirrorTraffic[d.name] ?? 0,
    state: d.state,
  };
}

export const modelText = (model: { name: string; version: string } | { reference: string }): string =>
  "reference" in model ? model.reference : `${model.name}:${model.version}`;
