import { allowedRoles, isAllowed } from "../access/policy.js";
import type { Role } from "../access/roles.js";
import type { Reply } from "../views/views.js";
import type { CommandContext } from "./command-context.js";
import { addSample } from "./handlers/add-sample.js";
import { help } from "./handlers/help.js";
import { invokeEndpoint } from "./handlers/invoke-endpoint.js";
import { listEndpoints } from "./handlers/list-endpoints.js";
import { listModels } from "./handlers/list-models.js";
import { listSamples } from "./handlers/list-samples.js";
import { readLogs } from "./handlers/read-logs.js";
import { showAudit } from "./handlers/show-audit.js";
import { showEndpoint } from "./handlers/show-endpoint.js";
import { whoami } from "./handlers/whoami.js";
import type { UserError } from "../errors.js";
import type { MessageText } from "./message-text.js";
import { parseCardAction } from "./parse-card-action.js";
import { parseCommand, type AttachedFile, type Command } from "./parse-command.js";

/** How a command arrived: typed in chat, or a button on a card. */
export type Origin = "chat" | "card";

/** A chat message: parse it, then run it. A message that is not a command is audited too. */
export async function handleChat(
  message: MessageText,
  attachment: AttachedFile | undefined,
  ctx: CommandContext,
): Promise<Reply> {
  const parsed = parseCommand(message, attachment);
  if (!parsed.ok) return rejectInput(ctx, "chat", parsed.error);
  return runCommand(parsed.value, ctx, "chat");
}

/** An Action.Execute from a card: validate its data (it may be forged), then run it like a chat command. */
export async function handleCardAction(verb: string, data: unknown, ctx: CommandContext): Promise<Reply> {
  const parsed = parseCardAction(verb, data);
  if (!parsed.ok) return rejectInput(ctx, `card:${verb.slice(0, 40)}`, parsed.error);
  return runCommand(parsed.value, ctx, "card");
}

async function rejectInput(ctx: CommandContext, action: string, error: UserError): Promise<Reply> {
  await ctx.store.appendAudit({
    at: ctx.clock.now(),
    actor: actorOf(ctx),
    action: action === "chat" ? "unparsed" : action,
    outcome: error.code,
    correlationId: ctx.correlationId,
  });
  return { kind: "error", error };
}

function actorOf(ctx: CommandContext): { id: string; name: string; aadObjectId?: string } {
  return {
    id: ctx.caller.id,
    name: ctx.caller.name,
    ...(ctx.caller.aadObjectId ? { aadObjectId: ctx.caller.aadObjectId } : {}),
  };
}

/**
 * Runs one command for one caller: checks the policy on the server, runs the handler, and writes the audit row
 * (allowed or denied, and how it ended). An unexpected failure is audited too, then rethrown for the edge.
 */
export async function runCommand(command: Command, ctx: CommandContext, origin: Origin): Promise<Reply> {
  const action = origin === "card" ? `card:${command.name}` : command.name;
  const target = targetOf(command);
  const detail = detailOf(command);
  const audit = (outcome: string): Promise<void> =>
    ctx.store.appendAudit({
      at: ctx.clock.now(),
      actor: actorOf(ctx),
      action,
      ...(target ? { target } : {}),
      outcome,
      ...(detail ? { detail } : {}),
      correlationId: ctx.correlationId,
    });

  if (!isAllowed(command.name, ctx.roles)) {
    await audit("denied");
    const needed = allowedRoles(command.name);
    return {
      kind: "error",
      error: {
        code: "forbidden",
        action: `run \`${command.name.replace(".", " ")}\``,
        needed,
        holders: holders(ctx, needed),
      },
    };
  }
  let reply: Reply;
  try {
    reply = await dispatch(command, ctx);
  } catch (error) {
    await audit("internal_error");
    throw error;
  }
  await audit(reply.kind === "error" ? reply.error.code : "ok");
  return reply;
}

function dispatch(command: Command, ctx: CommandContext): Promise<Reply> | Reply {
  switch (command.name) {
    case "help":
      return help(ctx);
    case "whoami":
      return whoami(ctx);
    case "endpoints":
      return listEndpoints(ctx, command.filter, command.page);
    case "show":
      return showEndpoint(ctx, command.endpoint);
    case "models":
      return listModels(ctx, command.model);
    case "samples":
      return listSamples(ctx, command.endpoint);
    case "sample.add":
      return addSample(ctx, command.endpoint, command.sample, command.payload);
    case "invoke":
      return invokeEndpoint(ctx, command.endpoint, command.deployment, command.payload);
    case "logs":
      return readLogs(ctx, command.endpoint, command.deployment, command.tail);
    case "audit":
      return showAudit(ctx, command.endpoint);
  }
}

function targetOf(command: Command): string | undefined {
  switch (command.name) {
    case "show":
    case "samples":
    case "sample.add":
    case "invoke":
    case "logs":
      return command.endpoint;
    case "audit":
      return command.endpoint;
    case "models":
      return command.model;
    default:
      return undefined;
  }
}

/** Secret-free facts for the audit row: which deployment, which sample, never the payload. */
function detailOf(command: Command): string | undefined {
  switch (command.name) {
    case "invoke": {
      const parts = [
        command.deployment ? `deployment ${command.deployment}` : undefined,
        command.payload?.kind === "sample" ? `sample ${command.payload.name}` : command.payload?.kind,
      ].filter(Boolean);
      return parts.join(", ") || undefined;
    }
    case "sample.add":
      return `sample ${command.sample}`;
    case "logs":
      return `deployment ${command.deployment}, tail ${command.tail}`;
    case "endpoints":
      return command.filter ? `filter ${command.filter}` : undefined;
    default:
      return undefined;
  }
}

function holders(ctx: CommandContext, roles: readonly Role[]): string[] {
  return [...new Set(roles.flatMap((r) => ctx.roleBook.holdersOf(r)))];
}
