import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";
import { escapeMarkdown } from "../../views/markdown.js";

/** `samples <endpoint>`: the sample payloads stored for an endpoint. */
export async function listSamples(ctx: CommandContext, endpoint: string): Promise<Reply> {
  const found = await ctx.workspace.getEndpoint(endpoint);
  if (!found.ok) return { kind: "error", error: found.error };
  const samples = await ctx.store.listSamples(found.value.name);
  if (samples.length === 0) {
    return {
      kind: "text",
      text: `Endpoint ${found.value.name} has no samples yet. Add one with \`sample add ${found.value.name} <name>\` and a JSON code block.`,
    };
  }
  return {
    kind: "card",
    card: "samples",
    data: {
      endpoint: found.value.name,
      samples: samples.map((s) => ({
        name: escapeMarkdown(s.name),
        description: escapeMarkdown(s.description ?? ""),
        size: `${(Buffer.byteLength(s.payload) / 1024).toFixed(1)} KB`,
        createdBy: escapeMarkdown(s.createdBy),
      })),
    },
  };
}
