import type { AuthMode, DeploymentView, EndpointView, InstanceScale } from "../../../ports/workspace.js";
import { escapeMarkdown } from "../../views/markdown.js";
import { instancesText as plainInstancesText } from "../../views/instances-text.js";
import { modelText } from "../../views/model-text.js";
import type { DeploymentRow } from "../../views/views.js";

/** How endpoints read on cards: "blue 90% · green 10%", "diabetes:2". */
export const trafficText = (traffic: Record<string, number>): string =>
  Object.entries(traffic)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${escapeMarkdown(k)} ${v}%`)
    .join(" · ") || "no live traffic";

/** One deployment's row on a card: its model, its share of live and mirror traffic, its state. */
export function deploymentRow(endpoint: EndpointView, d: DeploymentView): DeploymentRow {
  return {
    name: d.name,
    model: escapeMarkdown(modelText(d.model)),
    traffic: endpoint.traffic[d.name] ?? 0,
    mirror: endpoint.mirrorTraffic[d.name] ?? 0,
    state: escapeMarkdown(d.state),
  };
}

/** "Key", or a mode newer than GreenLight as Azure names it. */
export const authModeText = (mode: AuthMode): string =>
  escapeMarkdown(typeof mode === "string" ? mode : `${mode.other || "(none)"} (not known to GreenLight)`);

/** "2 × Standard\_DS3\_v2": a deployment's instances, escaped for a card. */
export const instancesText = (scale: InstanceScale, instanceType: string): string =>
  escapeMarkdown(plainInstancesText(scale, instanceType));
