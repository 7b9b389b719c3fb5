import { describeError, errorTitle } from "../../errors.js";
import { escapeMarkdown } from "../../views/markdown.js";
import { BY_TRAFFIC, type EndpointDetailsView } from "../../views/views.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import type { CardSelection } from "../../vocabulary/command.js";
import { authModeText, deploymentRow, instancesText, trafficText } from "./endpoint-rows.js";

/** A details card drawn again after one of its buttons: the inputs as they were, and what the button did. */
export interface DetailsRedraw {
  selection?: CardSelection;
  result?: Reply;
}

/** `show <endpoint>`: scoring URI, auth, traffic and mirror traffic, each deployment, and buttons. */
export async function showEndpoint(ctx: CommandContext, name: string, redraw: DetailsRedraw = {}): Promise<Reply> {
  const result = await ctx.workspace.getEndpoint(name);
  if (!result.ok) return redraw.result ?? { kind: "error", error: result.error };
  const e = result.value;
  const samples = (await ctx.store.listSamples(e.name)).map((s) => s.name);
  const mirror = Object.entries(e.mirrorTraffic).filter(([, v]) => v > 0);
  const deployments = e.deployments.map((d) => d.name);
  const { selection = {} } = redraw;
  return {
    kind: "card",
    card: "endpoint-details",
    data: {
      name: e.name,
      state: escapeMarkdown(e.state),
      authMode: authModeText(e.authMode),
      scoringUri: escapeMarkdown(e.scoringUri ?? ""),
      description: escapeMarkdown(e.description ?? ""),
      trafficText: trafficText(e.traffic),
      mirrorText: mirror.length ? mirror.map(([k, v]) => `${escapeMarkdown(k)} ${v}%`).join(" · ") : "none",
      readOnly: e.computeType !== "Managed",
      deployments: e.deployments.map((d) => ({
        ...deploymentRow(e, d),
        instances: instancesText(d.scale, d.instanceType),
      })),
      samples,
      canInvoke: ctx.may("invoke"),
      canReadLogs: ctx.may("logs"),
      // A choice that no longer exists (deleted deployment or sample) falls back to the default.
      selectedDeployment: deployments.find((d) => d === selection.deployment) ?? BY_TRAFFIC,
      selectedSample: samples.find((s) => s === selection.sample) ?? samples[0] ?? "",
      ...(redraw.result ? resultOf(redraw.result) : { resultKind: "" }),
    },
  };
}

function resultOf(reply: Reply): Pick<EndpointDetailsView, "resultKind" | "invoke" | "logs" | "message"> {
  switch (reply.kind) {
    case "card":
      if (reply.card === "invoke-result") return { resultKind: "invoke", invoke: reply.data };
      if (reply.card === "logs") return { resultKind: "logs", logs: reply.data };
      return { resultKind: "message", message: { title: "Done", text: "" } };
    case "text":
      return { resultKind: "message", message: { title: "", text: reply.text } };
    case "error":
      return { resultKind: "message", message: { title: errorTitle(reply.error), text: describeError(reply.error) } };
  }
}
