import type { Person } from "../../ports/people.js";
import { personOf } from "../people/identity.js";
import { allowedRoles } from "./policy.js";
import type { Role } from "../access/roles.js";
import type { UserError } from "../errors.js";
import type { Reply } from "./reply.js";
import type { CommandContext } from "./command-context.js";
import { readMessageText } from "./message-text.js";
import { parseCardAction } from "./parse-card-action.js";
import type { Action, AttachedFile, Command } from "../vocabulary/command.js";
import { isView, specOf, whatItDoes, type CommandSpec } from "./command-table.js";
import { parseCommand } from "./parse-command.js";
import { showEndpoint } from "./handlers/show-endpoint.js";
import { shorten } from "../vocabulary/names.js";

/** How a command arrived: typed in chat, or a button on a card. */
export type Origin = "chat" | "card";

/**
 * A chat message as Teams sent it: capped, parsed, then run. The cap comes first, so no parsing work (and no
 * download) is spent on a message GreenLight will not read. A message that is not a command is audited too.
 */
export async function handleChat(
  rawText: string,
  attachment: AttachedFile | undefined,
  ctx: CommandContext,
): Promise<Reply> {
  if (rawText.length > ctx.limits.maxMessageChars) {
    return rejectInput(ctx, "unparsed", {
      code: "message_too_long",
      chars: rawText.length,
      limitChars: ctx.limits.maxMessageChars,
    });
  }
  const parsed = parseCommand(readMessageText(rawText), attachment);
  if (!parsed.ok) return rejectInput(ctx, "unparsed", parsed.error);
  return runCommand(parsed.value, ctx, "chat");
}

/** An Action.Execute from a card: validate its verb and data (either may be forged), then run it like a chat command. */
export async function handleCardAction(verb: unknown, data: unknown, ctx: CommandContext): Promise<Reply> {
  const parsed = parseCardAction(verb, data);
  if (!parsed.ok) {
    return rejectInput(ctx, typeof verb === "string" ? `card:${verb}` : "card:invalid", parsed.error);
  }
  return runCommand(parsed.value, ctx, "card");
}

async function rejectInput(ctx: CommandContext, action: string, error: UserError): Promise<Reply> {
  await ctx.store.appendAudit({
    at: ctx.clock.now(),
    actor: actorOf(ctx),
    action: shorten(action, 60),
    outcome: error.code,
    correlationId: ctx.correlationId,
  });
  return { kind: "error", error };
}

const actorOf = (ctx: CommandContext): Person => personOf(ctx.caller);

/**
 * Runs one command for one caller: checks the policy on the server, runs the handler, and writes the audit row
 * (allowed or denied, and how it ended). An unexpected failure is audited too, then rethrown for the edge.
 */
export async function runCommand(command: Command, ctx: CommandContext, origin: Origin): Promise<Reply> {
  const action = origin === "card" ? `card:${command.name}` : command.name;
  const target = targetOf(command);
  const audit = (outcome: string, detail: string | undefined): Promise<void> =>
    ctx.store.appendAudit({
      at: ctx.clock.now(),
      actor: actorOf(ctx),
      action,
      ...(target ? { target } : {}),
      outcome,
      ...(detail ? { detail } : {}),
      correlationId: ctx.correlationId,
    });

  let reply: Reply;
  if (!ctx.may(command.name)) {
    await audit("denied", detailOf(command));
    reply = { kind: "error", error: forbidden(command, ctx) };
  } else {
    try {
      reply = await dispatch(command, ctx);
    } catch (error) {
      await audit("internal_error", detailOf(command));
      throw error;
    }
    const ended = outcomeOf(reply);
    if (!isView(command.name) || ended.outcome !== "ok")
      await audit(ended.outcome, [detailOf(command), ended.detail].filter(Boolean).join(", ") || undefined);
  }
  // A button on the details card answers on that card, keeping its inputs, so the next button still has them (the
  // card is redrawn only for someone who may see it).
  if ("onCard" in command && command.onCard && command.name !== "show" && ctx.may("show")) {
    return showEndpoint(ctx, command.endpoint, { selection: command.onCard, result: reply });
  }
  return reply;
}

function forbidden(command: Command, ctx: CommandContext): UserError {
  const needed = allowedRoles(command.name);
  return {
    code: "forbidden",
    action: whatItDoes(command.name),
    needed,
    holders: holders(ctx, needed),
    ...accessProblemOf(ctx),
  };
}

const dispatch = (command: Command, ctx: CommandContext): Promise<Reply> | Reply =>
  specOf(command.name).handle(ctx, command);

/** How a command ended, for the audit row: a scoring answer other than 2xx is not `ok`, whatever the card shows. */
function outcomeOf(reply: Reply): { outcome: string; detail?: string } {
  if (reply.kind === "error") return { outcome: reply.error.code };
  if (reply.kind === "card" && reply.card === "invoke-result") {
    const status = reply.data.status;
    return { outcome: reply.data.ok ? "ok" : `http_${status}`, detail: `status ${status}` };
  }
  return { outcome: "ok" };
}

/** The audit row's target: the command's endpoint unless its entry names another. */
function targetOf(command: Command): string | undefined {
  const spec: CommandSpec<Action> = specOf(command.name);
  return spec.target ? spec.target(command) : "endpoint" in command ? command.endpoint : undefined;
}

const detailOf = (command: Command): string | undefined => specOf(command.name).detail?.(command);

function accessProblemOf(ctx: CommandContext): { accessProblem?: string } {
  const problem = ctx.roleBook.outsider(ctx.caller) ?? ctx.caller.directoryProblem;
  return problem ? { accessProblem: problem } : {};
}

function holders(ctx: CommandContext, roles: readonly Role[]): string[] {
  return [...new Set(roles.flatMap((r) => ctx.roleBook.holdersOf(r)))];
}
