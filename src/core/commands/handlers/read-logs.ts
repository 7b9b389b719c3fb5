import { escapeMarkdown } from "../../views/markdown.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";

/** `logs <endpoint> <deployment> [tail N]`: the deployment's inference-server log tail. */
export async function readLogs(
  ctx: CommandContext,
  endpoint: string,
  deployment: string | undefined,
  tail: number,
): Promise<Reply> {
  if (deployment === undefined) {
    return {
      kind: "error",
      error: {
        code: "usage",
        command: "logs",
        usage: "logs <endpoint> <deployment> [tail N]",
        problem: "Pick a deployment on the card (or name one), then Logs.",
      },
    };
  }
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
      endpoint: escapeMarkdown(endpoint),
      deployment: escapeMarkdown(deployment),
      tail,
      lineCount: shown ? shown.split("\n").length : 0,
      text: shown || "(no log lines yet)",
      truncatedNote:
        shown.length < text.length ? "Older lines were cut to keep the card small; ask for a smaller tail." : "",
    },
  };
}
