import { randomUUID } from "node:crypto";
import type { Activity, TurnContext } from "botbuilder";
import { msg } from "../core/views/markdown.js";
import { errorText, type Logger } from "../logger.js";

const CORRELATION_ID = Symbol("the turn's correlation id");

/** The id that ties a turn's log lines together; the reference a user quotes is its first 8 characters. */
export function correlationIdOf(ctx: TurnContext): string {
  const known: unknown = ctx.turnState.get(CORRELATION_ID);
  if (typeof known === "string") return known;
  const id = randomUUID();
  ctx.turnState.set(CORRELATION_ID, id);
  return id;
}

/**
 * The one funnel for failures nobody planned for, in a turn or in the work a click left running: logged with the
 * turn's correlation id, and the user reads a reference to quote, never a stack.
 */
export function unexpectedFailure(log: Logger, what: string, error: unknown, correlationId: string): Partial<Activity> {
  const ref = correlationId.slice(0, 8);
  log.error(what, {
    ref,
    correlationId,
    error: errorText(error),
    ...(error instanceof Error ? { stack: error.stack } : {}),
  });
  return {
    type: "message",
    text: msg`Something went wrong (ref ${ref}). Try again; if it keeps happening, give the platform team this ref.`,
  };
}

/** botbuilder's onTurnError: the turn ended with an error nothing caught. */
export async function sayUnexpectedFailure(ctx: TurnContext, error: Error, log: Logger): Promise<void> {
  const correlationId = correlationIdOf(ctx);
  const reply = unexpectedFailure(log, "turn failed", error, correlationId);
  try {
    await ctx.sendActivity(reply);
  } catch (sendError) {
    log.error("could not tell the user about a failure", { correlationId, error: errorText(sendError) });
  }
}
