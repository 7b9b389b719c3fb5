import { code, msg } from "../../views/markdown.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";

/** `samples remove <endpoint> [name]` (admin): the stored samples go, also those of an endpoint that was deleted. */
export async function removeSamples(ctx: CommandContext, endpoint: string, sample: string | undefined): Promise<Reply> {
  const removed = await ctx.store.removeSamples(endpoint, sample);
  return {
    kind: "text",
    text:
      removed === 0
        ? sample
          ? msg`${endpoint} has no stored sample named '${sample}'. Type ${code(`samples ${endpoint}`)} to see its samples.`
          : msg`${endpoint} has no stored samples.`
        : msg`Removed ${removed} sample(s) of ${endpoint}.`,
  };
}
