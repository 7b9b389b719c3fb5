import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { code, escapedList, escapeMarkdown, msg, trusted } from "../../views/markdown.js";

/** `samples <endpoint>`: the sample payloads stored for an endpoint. */
export async function listSamples(ctx: CommandContext, endpoint: string): Promise<Reply> {
  const found = await ctx.workspace.getEndpoint(endpoint);
  if (!found.ok) {
    // A deleted endpoint's samples are kept (so a re-created endpoint can use them) until an admin removes them.
    const kept = found.error.code === "endpoint_not_found" ? await ctx.store.listSamples(endpoint) : [];
    if (kept.length === 0) return { kind: "error", error: found.error };
    return {
      kind: "text",
      text: msg`There is no endpoint named ${endpoint} (any more), but its ${kept.length} sample(s) are kept: ${trusted(escapedList(kept.map((x) => x.name)))}. An admin removes them with ${code(`samples remove ${endpoint}`)}.`,
    };
  }
  const samples = await ctx.store.listSamples(found.value.name);
  if (samples.length === 0) {
    return {
      kind: "text",
      text: msg`Endpoint ${found.value.name} has no samples yet. Add one with ${code(`sample add ${found.value.name} <name>`)} and a JSON code block.`,
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
