import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { code, escapeMarkdown, msg } from "../../views/markdown.js";

/** `models [name]`: registered models and their versions, newest first. */
export async function listModels(ctx: CommandContext, name: string | undefined): Promise<Reply> {
  const result = await ctx.workspace.listModels(name);
  if (!result.ok) return { kind: "error", error: result.error };
  if (name && result.value.length === 0) {
    return {
      kind: "text",
      text: msg`There is no registered model named '${name}'. Type ${code("models")} to list them all.`,
    };
  }
  return {
    kind: "card",
    card: "models",
    data: {
      filter: escapeMarkdown(name ?? ""),
      models: result.value.map((m) => ({
        name: escapeMarkdown(m.name),
        description: escapeMarkdown(m.description ?? ""),
        versions: m.versions.map((v) => ({
          name: escapeMarkdown(m.name),
          version: escapeMarkdown(v.version),
          description: escapeMarkdown(v.description ?? ""),
          modelType: escapeMarkdown(v.modelType ?? ""),
        })),
      })),
    },
  };
}
