import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";

/** `logs <endpoint> <deployment> [tail N]`: the deployment's inference-server log tail. */
export async function readLogs(
  ctx: CommandContext,
  endpoint: string,
  deployment: string,
  tail: number,
): Promise<Reply> {
  const result = await ctx.workspace.getLogs(endpoint, deployment, tail);
  if (!result.ok) return { kind: "error", error: result.error };
  const text = result.value.replace(/\s+$/, "");
  const limit = ctx.limits.logPreviewChars;
  // Keep the newest lines when the tail is too long for a card.
  const shown = text.length > limit ? text.slice(text.length - limit).replace(/^[^\n]*\n/, "") : text;
  return {
    kind: "card",
    card: "logs",
    data: {
      endpoint,
      deployment,
      tail,
      lineCount: shown ? shown.split("\n").length : 0,
      text: shown || "(no log lines yet)",
      truncatedNote:
        shown.length < text.length ? "Older lines were cut to keep the card small; ask for a smaller tail." : "",
    },
  };
}
