import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";

/** `models [name]`: registered models and their versions, newest first. */
export async function listModels(ctx: CommandContext, name: string | undefined): Promise<Reply> {
  const result = await ctx.workspace.listModels(name);
  if (!result.ok) return { kind: "error", error: result.error };
  if (name && result.value.length === 0) {
    return { kind: "text", text: `There is no registered model named '${name}'. Type \`models\` to list them all.` };
  }
  return {
    kind: "card",
    card: "models",
    data: {
      filter: name ?? "",
      models: result.value.map((m) => ({
        name: m.name,
        description: m.description ?? "",
        versions: m.versions.map((v) => ({
          name: m.name,
          version: v.version,
          description: v.description ?? "",
          modelType: v.modelType ?? "",
        })),
      })),
    },
  };
}
