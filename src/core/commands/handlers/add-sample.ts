import type { PayloadSource } from "../../vocabulary/command.js";
import { code, msg } from "../../views/markdown.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { readPayload } from "./payload.js";

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
  const found = await ctx.workspace.getEndpoint(endpoint);
  if (!found.ok) return { kind: "error", error: found.error };
  const checked = await readPayload(ctx, found.value.name, payload);
  if (!checked.ok) return { kind: "error", error: checked.error };
  const replaced = await ctx.store.putSample({
    endpoint: found.value.name,
    name,
    payload: checked.value.json,
    ...(checked.value.fileName !== undefined ? { description: `From ${checked.value.fileName}` } : {}),
    createdBy: ctx.caller.name,
    createdAt: ctx.clock.now(),
  });
  return {
    kind: "text",
    text: msg`${replaced ? "Replaced" : "Stored"} sample '${name}' for ${found.value.name} (${Buffer.byteLength(checked.value.json)} bytes). Send it with ${code(`invoke ${found.value.name} sample ${name}`)}.`,
  };
}
