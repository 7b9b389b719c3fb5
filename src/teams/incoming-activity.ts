import type { Activity, ConversationReference } from "botbuilder";
import { z } from "zod";

const id = z.string().min(1).max(1024);
const shortText = z.string().max(1024);

/** A person or bot as the connector's serializer types it (it refuses to send a reply whose fields have other types). */
const account = z.looseObject({
  id,
  name: shortText.optional(),
  aadObjectId: z.string().max(128).optional(),
  role: z.string().max(64).optional(),
});

/** Teams' own fields; botbuilder reads `eventType` to dispatch, `team.id` for roster look-ups. */
const channelData = z.looseObject({
  eventType: z.string().max(64).optional(),
  tenant: z.looseObject({ id: z.string().max(128).optional() }).optional(),
  team: z.looseObject({ id: id.optional() }).optional(),
  channel: z.looseObject({ id: id.optional() }).optional(),
});

/**
 * The fields of an incoming activity GreenLight or botbuilder reads, checked before either reads them: a connector
 * (or, in local mode, anyone who reaches the port) may send any field missing, huge or of the wrong type. The fields a
 * reply and a stored conversation reference are made of (channel, service URL, conversation, from, recipient, locale)
 * are typed as the connector's serializer types them: one of another type would let a command run whose reply cannot
 * be sent. Fields not listed pass through untouched; message text length is left to core, which answers an over-long
 * message in chat.
 */
const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: id.optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  from: account,
  recipient: account,
  conversation: z.looseObject({
    id,
    name: shortText.optional(),
    conversationType: z.string().max(64).optional(),
    tenantId: z.string().max(128).optional(),
    isGroup: z.boolean().optional(),
    aadObjectId: z.string().max(128).optional(),
    role: z.string().max(64).optional(),
  }),
  locale: z.string().max(64).optional(),
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
  channelData: channelData.optional(),
});

/**
 * What some activity types carry besides: Teams sends an edit or a deletion with its `channelData` (botbuilder's Teams
 * dispatch reads its `eventType`), and every invoke's `value` is an object.
 */
const BY_TYPE = new Map<string, z.ZodType>([
  ["messageUpdate", z.looseObject({ channelData })],
  ["messageDelete", z.looseObject({ channelData })],
  ["invoke", z.looseObject({ value: z.looseObject({}).optional() })],
]);

export type IncomingActivity = z.output<typeof activitySchema>;

/** The activity, or a short description of its first problem (field path and rule, never the value). */
export function checkActivity(
  body: unknown,
): { ok: true; activity: IncomingActivity } | { ok: false; problem: string } {
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) return { ok: false, problem: problemOf(parsed.error) };
  const extra = BY_TYPE.get(parsed.data.type)?.safeParse(body);
  if (extra && !extra.success) return { ok: false, problem: problemOf(extra.error) };
  return { ok: true, activity: parsed.data };
}

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "the body"}: ${issue?.message ?? "invalid"}`;
}

/**
 * Where a checked activity came from, to reach that conversation later: the fields checked above and nothing else the
 * activity carried (botbuilder's own reference copies whole objects, whatever else is in them).
 */
export function conversationReferenceOf(activity: Activity): Partial<ConversationReference> {
  return {
    ...definedOf(activity, ["channelId", "serviceUrl", "locale"]),
    ...(activity.id === undefined ? {} : { activityId: activity.id }),
    conversation: definedOf(activity.conversation, ["id", "name", "isGroup", "conversationType", "tenantId"]),
    user: definedOf(activity.from, ["id", "name", "aadObjectId"]),
    bot: definedOf(activity.recipient, ["id", "name"]),
  };
}

/** Those of the fields that are set (botbuilder's types call some required that an activity may lack). */
function definedOf<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) picked[key] = from[key];
  return picked as Pick<T, K>;
}

/** The card action inside an `adaptiveCard/action` invoke, as sent: any shape, checked by core. */
export function cardActionOf(value: unknown): { verb: unknown; data: unknown } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const action = (value as { action?: unknown }).action;
  if (typeof action !== "object" || action === null) return undefined;
  const { type, verb, data } = action as { type?: unknown; verb?: unknown; data?: unknown };
  return type === "Action.Execute" ? { verb, data } : undefined;
}
