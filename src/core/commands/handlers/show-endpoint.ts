import { isAllowed } from "../../access/policy.js";
import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";
import { deploymentRow, trafficText } from "./endpoint-rows.js";

/** `show <endpoint>`: scoring URI, auth, traffic and mirror traffic, each deployment, and buttons. */
export async function showEndpoint(ctx: CommandContext, name: string): Promise<Reply> {
  const result = await ctx.workspace.getEndpoint(name);
  if (!result.ok) return { kind: "error", error: result.error };
  const e = result.value;
  const samples = await ctx.store.listSamples(e.name);
  const mirror = Object.entries(e.mirrorTraffic).filter(([, v]) => v > 0);
  return {
    kind: "card",
    card: "endpoint-details",
    data: {
      name: e.name,
      state: e.state,
      authMode: e.authMode,
      scoringUri: e.scoringUri ?? "",
      description: e.description ?? "",
      trafficText: trafficText(e.traffic),
      mirrorText: mirror.length ? mirror.map(([k, v]) => `${k} ${v}%`).join(" · ") : "none",
      readOnly: e.computeType !== "Managed",
      deployments: e.deployments.map((d) => ({
        ...deploymentRow(e, d),
        instanceType: d.instanceType,
        instanceCount: d.instanceCount,
      })),
      samples: samples.map((s) => s.name),
      canInvoke: isAllowed("invoke", ctx.roles),
      canReadLogs: isAllowed("logs", ctx.roles),
    },
  };
}
