import type { WorkspaceError } from "../../errors.js";
import { closest } from "../message-text.js";
import type { CommandContext } from "../command-context.js";

/** Adds "did you mean" names to an endpoint_not_found error. */
export async function withEndpointSuggestions(ctx: CommandContext, error: WorkspaceError): Promise<WorkspaceError> {
  if (error.code !== "endpoint_not_found") return error;
  const all = await ctx.workspace.listEndpoints();
  if (!all.ok) return error;
  return {
    ...error,
    suggestions: closest(
      error.endpoint,
      all.value.map((e) => e.name),
    ),
  };
}

export const trafficText = (traffic: Record<string, number>): string =>
  Object.entries(traffic)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}%`)
    .join(" · ") || "no live traffic";

export const modelText = (model: { name: string; version: string } | { reference: string }): string =>
  "reference" in model ? model.reference : `${model.name}:${model.version}`;
