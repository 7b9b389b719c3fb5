import type { Person } from "../../ports/people.js";
import { personOf } from "../people/identity.js";
import { allowedRoles, isAllowed } from "../vocabulary/policy.js";
import type { Role } from "../access/roles.js";
import type { UserError } from "../errors.js";
import type { Reply } from "./reply.js";
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
import { showPlan } from "./handlers/show-plan.js";
import { whoami } from "./handlers/whoami.js";
import { decide, decisions, deploy, rollback, status, viewRollout } from "./handlers/rollouts.js";
import { listSubscriptions, subscribe, unsubscribe } from "./handlers/subscriptions.js";
import { decideDeletion, requestDeletion, viewDeletion } from "./handlers/deletions.js";
import { removeSamples } from "./handlers/remove-samples.js";
import { readMessageText } from "./message-text.js";
import { parseCardAction } from "./parse-card-action.js";
import type { Action, AttachedFile, Command, CommandOf } from "../vocabulary/command.js";
import { isView, specOf, whatItDoes, type CommandSpec } from "../vocabulary/command-table.js";
import { parseCommand } from "./parse-command.js";
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
    if (!isView(command.name) || ended.outcome !== "ok")
      await audit(ended.outcome, [detailOf(command), ended.detail].filter(Boolean).join(", ") || undefined);
  }
  // A button on the details card answers on that card, keeping its inputs, so the next button still has them (the
  // card is redrawn only for someone who may see it).
  if ("onCard" in command && command.onCard && command.name !== "show" && isAllowed("show", ctx.roles)) {
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

type Handler<A extends Action> = (ctx: CommandContext, command: CommandOf<A>) => Promise<Reply> | Reply;

/**
 * The handler of every action in the command table. They live apart from the table because the rollout and deletion
 * cards ask the policy (read from the table) which buttons to draw, and these handlers draw those cards.
 */
const HANDLERS: { [A in Action]: Handler<A> } = {
  help: (ctx) => help(ctx),
  endpoints: (ctx, c) => listEndpoints(ctx, c.filter, c.page),
  show: (ctx, c) => showEndpoint(ctx, c.endpoint, c.onCard ? { selection: c.onCard } : {}),
  models: (ctx, c) => listModels(ctx, c.model),
  samples: (ctx, c) => listSamples(ctx, c.endpoint),
  "sample.add": (ctx, c) => addSample(ctx, c.endpoint, c.sample, c.payload),
  invoke: (ctx, c) => invokeEndpoint(ctx, c.endpoint, c.deployment, c.payload),
  logs: (ctx, c) => readLogs(ctx, c.endpoint, c.deployment, c.tail),
  deploy: (ctx, c) => deploy(ctx, c.endpoint, c.model, c.version),
  plan: (ctx, c) => showPlan(ctx, c.endpoint),
  status: (ctx, c) => status(ctx, c.endpoint),
  rollback: (ctx, c) => rollback(ctx, c.endpoint),
  subscribe: (ctx, c) => subscribe(ctx, c.endpoint),
  unsubscribe: (ctx, c) => unsubscribe(ctx, c.endpoint),
  subscriptions: (ctx) => listSubscriptions(ctx),
  delete: (ctx, c) => requestDeletion(ctx, c.endpoint),
  "samples.remove": (ctx, c) => removeSamples(ctx, c.endpoint, c.sample),
  whoami: (ctx) => whoami(ctx),
  audit: (ctx, c) => showAudit(ctx, c.endpoint),
  "rollout.approve": (ctx, c) => decide(ctx, c.target, decisions.approve(c.target)),
  "rollout.reject": (ctx, c) =>
    decide(ctx, c.target, decisions.reject(c.target, c.reason), { ...(c.reason ? { reason: c.reason } : {}) }),
  "rollout.retire": (ctx, c) => decide(ctx, c.target, decisions.retire(c.target, c.keep)),
  "rollout.override": (ctx, c) => decide(ctx, c.target, decisions.override(c.target, c.reason), { reason: c.reason }),
  "rollout.end_bake": (ctx, c) => decide(ctx, c.target, decisions.endBake(c.target, c.reason), { reason: c.reason }),
  "rollout.resume": (ctx, c) => decide(ctx, c.target, decisions.resume(c.target)),
  "rollout.restore": (ctx, c) => decide(ctx, c.target, decisions.restore(c.target)),
  "rollout.view": (ctx, c) => viewRollout(ctx, c.rollout),
  "deletion.view": (ctx, c) => viewDeletion(ctx, c.deletion),
  "deletion.approve": (ctx, c) => decideDeletion(ctx, c.target, c.typed),
  "deletion.reject": (ctx, c) => decideDeletion(ctx, c.target, undefined),
};

// TypeScript cannot tie `command.name` to the matching entry's parameter type; the tables' mapped types tie them.
const dispatch = (command: Command, ctx: CommandContext): Promise<Reply> | Reply =>
  (HANDLERS[command.name] as Handler<Action>)(ctx, command);

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
