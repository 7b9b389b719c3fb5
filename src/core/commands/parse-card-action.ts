import { z } from "zod";
import type { UserError } from "../errors.js";
import { err, ok, type Result } from "../../ports/result.js";
import { DEFAULT_LOG_TAIL, MAX_LOG_TAIL, type Command } from "./parse-command.js";

const name = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
// Choice inputs send "" when nothing is picked.
const optionalName = z
  .string()
  .trim()
  .max(64)
  .optional()
  .transform((v) => (v ? v : undefined))
  .pipe(name.optional());

const schemas = {
  endpoints: z.object({ filter: z.string().max(100).optional(), page: z.coerce.number().int().min(1).max(10_000) }),
  show: z.object({ endpoint: name }),
  invoke: z.object({ endpoint: name, deployment: optionalName, sample: optionalName }),
  logs: z.object({ endpoint: name, deployment: optionalName, tail: z.coerce.number().int().min(1).optional() }),
};

/**
 * Turns an Action.Execute verb and its data (the card's data merged with its inputs) into a command. Anything a
 * client could forge is validated here; what the caller may do is decided later by the policy, as for chat.
 */
export function parseCardAction(verb: string, data: unknown): Result<Command, UserError> {
  const invalid = (detail: string): Result<Command, UserError> => err({ code: "invalid_card_action", detail });
  if (!Object.hasOwn(schemas, verb)) return invalid(`unknown action '${verb.slice(0, 40)}'`);
  const parsed = schemas[verb as keyof typeof schemas].safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue?.path.join(".") || "data"}: ${issue?.message ?? "invalid"}`);
  }
  switch (verb) {
    case "endpoints": {
      const d = parsed.data as z.output<typeof schemas.endpoints>;
      return ok({ name: "endpoints", page: d.page, ...(d.filter ? { filter: d.filter } : {}) });
    }
    case "show":
      return ok({ name: "show", endpoint: (parsed.data as z.output<typeof schemas.show>).endpoint });
    case "invoke": {
      const d = parsed.data as z.output<typeof schemas.invoke>;
      if (!d.sample) {
        return err({
          code: "usage",
          command: "invoke",
          usage: "Pick a sample on the card, then Invoke",
          problem: "No sample was picked.",
        });
      }
      return ok({
        name: "invoke",
        endpoint: d.endpoint,
        ...(d.deployment ? { deployment: d.deployment } : {}),
        payload: { kind: "sample", name: d.sample },
      });
    }
    default: {
      const d = parsed.data as z.output<typeof schemas.logs>;
      if (!d.deployment) {
        return err({
          code: "usage",
          command: "logs",
          usage: "Pick a deployment on the card, then Logs",
          problem: "No deployment was picked.",
        });
      }
      return ok({
        name: "logs",
        endpoint: d.endpoint,
        deployment: d.deployment,
        tail: Math.min(d.tail ?? DEFAULT_LOG_TAIL, MAX_LOG_TAIL),
      });
    }
  }
}
