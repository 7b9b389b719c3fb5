import type { PayloadSource } from "../parse-command.js";
import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";
import { checkPayload } from "./payload.js";

/** `sample add <endpoint> <name>` + JSON: stores (or replaces) a sample payload. */
export async function addSample(
  ctx: CommandContext,
  endpoint: string,
  name: string,
  payload: Exclude<PayloadSource, { kind: "sample" }> | undefined,
): Promise<Reply> {
  if (!payload) {
    return {
      kind: "error",
      error: {
        code: "usage",
        command: "sample.add",
        usage: "sample add <endpoint> <name> + a JSON code block or .json file",
        problem: "Put the sample's JSON in a code block after the command, or attach a .json file.",
      },
    };
  }
  const checked = checkPayload(payload.text, ctx.limits.maxPayloadBytes);
  if (!checked.ok) return { kind: "error", error: checked.error };
  const found = await ctx.workspace.getEndpoint(endpoint);
  if (!found.ok) return { kind: "error", error: found.error };
  const replaced = await ctx.store.putSample({
    endpoint: found.value.name,
    name,
    payload: checked.value,
    ...(payload.kind === "attachment" ? { description: `From ${payload.name}` } : {}),
    createdBy: ctx.caller.name,
    createdAt: ctx.clock.now(),
  });
  return {
    kind: "text",
    text:
      `${replaced ? "Replaced" : "Stored"} sample '${name}' for ${found.value.name} ` +
      `(${Buffer.byteLength(checked.value)} bytes). Send it with \`invoke ${found.value.name} sample ${name}\`.`,
  };
}
