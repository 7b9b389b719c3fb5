import { z } from "zod";

const id = z.string().min(1).max(1024);
const shortText = z.string().max(1024);

/**
 * The fields of an incoming activity GreenLight or botbuilder reads, checked before either reads them: a connector
 * (or, in local mode, anyone who reaches the port) may send any field missing, huge or of the wrong type. Fields not
 * listed pass through untouched; message text length is left to core, which answers an over-long message in chat.
 */
const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: id.optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url().max(2048),
  from: z.looseObject({ id, name: shortText.optional(), aadObjectId: z.string().max(128).optional() }),
  recipient: z.looseObject({ id, name: shortText.optional() }).optional(),
  conversation: z.looseObject({
    id,
    conversationType: z.string().max(64).optional(),
    tenantId: z.string().max(128).optional(),
    isGroup: z.boolean().optional(),
  }),
  text: z.string().optional(),
  name: z.string().max(256).optional(),
  replyToId: id.optional(),
  attachments: z
    .array(
      z.looseObject({
        contentType: z.string().max(256),
        contentUrl: z.string().max(8192).optional(),
        name: z.string().max(1024).optional(),
      }),
    )
    .max(50)
    .optional(),
  entities: z
    .array(z.looseObject({ type: z.string().max(256) }))
    .max(100)
    .optional(),
  channelData: z.looseObject({}).optional(),
});

export type IncomingActivity = z.output<typeof activitySchema>;

/** The activity, or a short description of its first problem (field path and rule, never the value). */
export function checkActivity(
  body: unknown,
): { ok: true; activity: IncomingActivity } | { ok: false; problem: string } {
  const parsed = activitySchema.safeParse(body);
  if (parsed.success) return { ok: true, activity: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${issue?.path.join(".") || "the body"}: ${issue?.message ?? "invalid"}` };
}

/** The card action inside an `adaptiveCard/action` invoke, as sent: any shape, checked by core. */
export function cardActionOf(value: unknown): { verb: unknown; data: unknown } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const action = (value as { action?: unknown }).action;
  if (typeof action !== "object" || action === null) return undefined;
  const { type, verb, data } = action as { type?: unknown; verb?: unknown; data?: unknown };
  return type === "Action.Execute" ? { verb, data } : undefined;
}
