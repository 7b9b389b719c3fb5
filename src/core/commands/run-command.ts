import type { Person } from "../../ports/people.js";
import { personOf } from "../access/identity.js";
import { allowedRoles, isAllowed } from "../access/policy.js";
import type { Role } from "../access/roles.js";
import type { UserError } from "../errors.js";
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
import { decide, decisions, deploy, rollback, status, viewRollout } from "./handlers/rollouts.js";
import { listSubscriptions, subscribe, unsubscribe } from "./handlers/subscriptions.js";
import { decideDeletion, requestDeletion, viewDeletion } from "./handlers/deletions.js";
import { removeSamples } from "./handlers/remove-samples.js";
import { readMessageText } from "./message-text.js";
import { parseCardAction } from "./parse-card-action.js";
import type { AttachedFile, Command } from "./command.js";
import { parseCommand } from "./parse-command.js";
import { shorten } from "./names.js";

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
 * Looking at a card is not a decision: Teams asks for each approver's view of a card by itself, after every change, so
 * an allowed view is not an audit row (a denied one is).
 */
const isView = (command: Command): boolean => command.name === "rollout.view" || command.name === "deletion.view";

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
  if (!isAllowed(command.name, ctx.roles)) {
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
    if (!isView(command) || ended.outcome !== "ok")
      await audit(ended.outcome, [detailOf(command), ended.detail].filter(Boolean).join(", ") || undefined);
  }
  // A button on the details card answers on that card, keeping its inputs, so the next button still has them (the
  // card is redrawn only for someone who may see it).
  if ("onCard" in command && command.onCard && command.name !== "show" && isAllowed("show", ctx.roles)) {
    return showEndpoint(ctx, command.endpoint, { selection: command.onCard, result: reply });
  }
  return reply;
}

/** What a rollout card's buttons do, for "You need the approver role to …". */
const CARD_ONLY_ACTIONS = {
  "rollout.approve": "approve a rollout step",
  "rollout.reject": "reject a rollout step",
  "rollout.retire": "retire or keep the old deployment",
  "rollout.override": "override a failed smoke test",
  "rollout.resume": "continue a paused rollout from the traffic Azure has",
  "rollout.restore": "put back a rollout's starting traffic",
  "rollout.view": "see a rollout's card",
  "deletion.view": "see a deletion request's card",
  "deletion.approve": "confirm an endpoint's deletion",
  "deletion.reject": "keep an endpoint someone asked to delete",
} satisfies Partial<Record<Command["name"], string>>;

function forbidden(command: Command, ctx: CommandContext): UserError {
  const needed = allowedRoles(command.name);
  return {
    code: "forbidden",
    action:
      CARD_ONLY_ACTIONS[command.name as keyof typeof CARD_ONLY_ACTIONS] ?? `run \`${command.name.replace(".", " ")}\``,
    needed,
    holders: holders(ctx, needed),
    ...accessProblemOf(ctx),
  };
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
      return showEndpoint(ctx, command.endpoint, command.onCard ? { selection: command.onCard } : {});
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
    case "deploy":
      return deploy(ctx, command.endpoint, command.model, command.version);
    case "status":
      return status(ctx, command.endpoint);
    case "rollback":
      return rollback(ctx, command.endpoint);
    case "rollout.approve":
      return decide(ctx, command.target, decisions.approve(command.target));
    case "rollout.reject":
      return decide(ctx, command.target, decisions.reject(command.target, command.reason), {
        ...(command.reason ? { reason: command.reason } : {}),
      });
    case "rollout.retire":
      return decide(ctx, command.target, decisions.retire(command.target, command.keep));
    case "rollout.override":
      return decide(ctx, command.target, decisions.override(command.target, command.reason), {
        reason: command.reason,
      });
    case "rollout.resume":
      return decide(ctx, command.target, decisions.resume(command.target));
    case "rollout.restore":
      return decide(ctx, command.target, decisions.restore(command.target));
    case "rollout.view":
      return viewRollout(ctx, command.rollout);
    case "deletion.view":
      return viewDeletion(ctx, command.deletion);
    case "subscribe":
      return subscribe(ctx, command.endpoint);
    case "unsubscribe":
      return unsubscribe(ctx, command.endpoint);
    case "subscriptions":
      return listSubscriptions(ctx);
    case "delete":
      return requestDeletion(ctx, command.endpoint);
    case "samples.remove":
      return removeSamples(ctx, command.endpoint, command.sample);
    case "deletion.approve":
      return decideDeletion(ctx, command.target, command.typed);
    case "deletion.reject":
      return decideDeletion(ctx, command.target, undefined);
  }
}

/** How a command ended, for the audit row: a scoring answer other than 2xx is not `ok`, whatever the card shows. */
function outcomeOf(reply: Reply): { outcome: string; detail?: string } {
  if (reply.kind === "error") return { outcome: reply.error.code };
  if (reply.kind === "card" && reply.card === "invoke-result") {
    const status = reply.data.status;
    return { outcome: reply.data.ok ? "ok" : `http_${status}`, detail: `status ${status}` };
  }
  return { outcome: "ok" };
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
    case "status":
      return command.endpoint;
    case "deploy":
    case "rollback":
    case "subscribe":
    case "unsubscribe":
    case "delete":
    case "samples.remove":
      return command.endpoint;
    case "models":
      return command.model;
    case "help":
    case "whoami":
    case "endpoints":
    case "rollout.approve":
    case "rollout.reject":
    case "rollout.retire":
    case "rollout.override":
    case "rollout.resume":
    case "rollout.restore":
    case "rollout.view":
    case "subscriptions":
    case "deletion.approve":
    case "deletion.reject":
    case "deletion.view":
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
      return [command.deployment ? `deployment ${command.deployment}` : undefined, `tail ${command.tail}`]
        .filter(Boolean)
        .join(", ");
    case "endpoints":
      return command.filter ? `filter ${command.filter}` : undefined;
    case "deploy":
      return `${command.model}:${command.version}`;
    case "rollout.approve":
    case "rollout.reject":
    case "rollout.retire":
    case "rollout.override":
    case "rollout.resume":
    case "rollout.restore":
      return `rollout ${command.target.rollout.slice(0, 8)}, step ${command.target.step + 1}, version ${command.target.version}`;
    default:
      return undefined;
  }
}

function accessProblemOf(ctx: CommandContext): { accessProblem?: string } {
  const problem = ctx.roleBook.outsider(ctx.caller) ?? ctx.caller.directoryProblem;
  return problem ? { accessProblem: problem } : {};
}

function holders(ctx: CommandContext, roles: readonly Role[]): string[] {
  return [...new Set(roles.flatMap((r) => ctx.roleBook.holdersOf(r)))];
}
