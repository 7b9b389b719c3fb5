import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { escapeMarkdown } from "../../views/markdown.js";
import { authModeText, deploymentRow, trafficText } from "./endpoint-rows.js";

/** `endpoints [filter]`: every endpoint with state, auth mode, traffic and model per deployment, paged. */
export async function listEndpoints(ctx: CommandContext, filter: string | undefined, page: number): Promise<Reply> {
  const result = await ctx.workspace.listEndpoints();
  if (!result.ok) return { kind: "error", error: result.error };
  const needle = filter?.toLowerCase();
  const matching = result.value
    .filter((e) => !needle || e.name.toLowerCase().includes(needle))
    .sort((a, b) => a.name.localeCompare(b.name));
  const pageCount = Math.max(1, Math.ceil(matching.length / ctx.limits.pageSize));
  const current = Math.min(Math.max(1, page), pageCount);
  const shown = matching.slice((current - 1) * ctx.limits.pageSize, current * ctx.limits.pageSize);
  return {
    kind: "card",
    card: "endpoint-list",
    data: {
      filter: filter ?? "",
      summary: `${filter ? `Matching '${escapeMarkdown(filter)}' · ` : ""}${matching.length} endpoint(s) · page ${current} of ${pageCount}`,
      total: matching.length,
      page: current,
      pageCount,
      ...(current < pageCount ? { nextPage: current + 1 } : {}),
      ...(current > 1 ? { previousPage: current - 1 } : {}),
      endpoints: shown.map((e) => ({
        name: e.name,
        state: escapeMarkdown(e.state),
        authMode: authModeText(e.authMode),
        trafficText: trafficText(e.traffic),
        deployments: e.deployments.map((d) => deploymentRow(e, d)),
      })),
    },
  };
}
