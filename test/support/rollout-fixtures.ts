// Helpers for rollout tests over the real HTTP path: an endpoint of its own per test, waiting for the worker, and the
// rollout's card as the release channel shows it.
import type { Rollout } from "../../src/ports/rollouts.js";
import { BotHarness, cardAction, type BotHarnessOptions } from "./bot-harness.js";
import { WorkspaceAdmin, buttonsOf, cardText } from "./bot-fixtures.js";
import type { Member, SentActivity } from "./connector-server.js";

export const RELEASE_CHANNEL = "channel-releases-0001";

/** A bot whose release channel is on the harness's own connector, with a fast worker. */
export function startRolloutHarness(options: BotHarnessOptions = {}): Promise<BotHarness> {
  return BotHarness.start({
    ...options,
    env: {
      RELEASE_CHANNEL_ID: RELEASE_CHANNEL,
      RELEASE_CHANNEL_SERVICE_URL: "__connector__",
      ROLLOUT_POLL_MS: "50",
      WORKER_IDLE_MS: "50",
      ...options.env,
    },
  });
}

/** A new endpoint with `blue` = diabetes:1 taking all traffic, and the seeded samples of diabetes-prod. */
export async function anEndpoint(
  h: BotHarness,
  admin: WorkspaceAdmin,
  name: string,
  samples?: string[],
): Promise<void> {
  await admin.createEndpoint(name);
  await admin.createDeployment(name, "blue", 1);
  await admin.setTraffic(name, { blue: 100 });
  for (const sample of await h.store.records.listSamples("diabetes-prod")) {
    if (samples && !samples.includes(sample.name)) continue;
    await h.store.records.putSample({ ...sample, endpoint: name });
  }
}

/** The endpoint's live traffic, read from the workspace through the SDK (not from GreenLight). */
export async function trafficOf(
  h: BotHarness,
  admin: WorkspaceAdmin,
  endpoint: string,
): Promise<Record<string, number>> {
  const e = await admin.client.onlineEndpoints.get(h.emulator.resourceGroup, h.emulator.workspaceName, endpoint);
  return Object.fromEntries(Object.entries(e.properties.traffic ?? {}).filter(([, v]) => v > 0));
}

/** Waits until the endpoint's latest rollout satisfies `done` (the worker runs in the background). */
export async function waitForRollout(
  h: BotHarness,
  endpoint: string,
  done: (r: Rollout) => boolean,
  what = "the rollout to move on",
  timeoutMs = 30_000,
): Promise<Rollout> {
  const deadline = Date.now() + timeoutMs;
  let last: Rollout | undefined;
  while (Date.now() < deadline) {
    last = (await h.store.rollouts.current(endpoint)) ?? (await h.store.rollouts.lastEnded(endpoint));
    if (last && done(last)) {
      await h.app.outbox.drain();
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(
    `timed out waiting for ${what}; the rollout is ${JSON.stringify(last?.phase)} at step ${last?.step}: ${JSON.stringify(last?.ending ?? last?.timeline.at(-1))}`,
  );
}

/** Waits until every message the rollout's transitions asked for has been sent. */
export async function settle(h: BotHarness): Promise<void> {
  await h.app.worker.drain();
  await h.app.outbox.drain();
}

/** Everything the bot sent for one rollout's card: its post, and every update and thread reply after it. */
export function cardMessages(
  h: Pick<BotHarness, "connector">,
  endpoint: string,
): { post: SentActivity; updates: SentActivity[]; replies: SentActivity[] } {
  const posts = h.connector.sent.filter(
    (s) => s.kind === "create" && hasCard(s) && cardText(card(s)).includes(` to ${endpoint}`),
  );
  if (posts.length !== 1) throw new Error(`expected one card for ${endpoint}, found ${posts.length}`);
  const post = posts[0] as SentActivity;
  const thread = post.conversationId;
  return {
    post,
    updates: h.connector.sent.filter((s) => s.conversationId === thread && s.kind === "update"),
    replies: h.connector.sent.filter((s) => s.conversationId === thread && s.kind === "send"),
  };
}

const hasCard = (sent: SentActivity): boolean => Array.isArray(sent.activity.attachments);

/** The channel a new thread was started in (a card post or a notice). */
export const channelOf = (sent: SentActivity): string | undefined =>
  (sent.parameters?.channelData as { channel?: { id?: string } } | undefined)?.channel?.id;

/** The card in a sent activity. */
export function card(sent: SentActivity): Record<string, unknown> {
  const attachment = (sent.activity.attachments as { content: Record<string, unknown> }[] | undefined)?.[0];
  if (!attachment) throw new Error("no card");
  return attachment.content;
}

/** The rollout card as it is now: the last update, or the post. */
export function latestCard(h: Pick<BotHarness, "connector">, endpoint: string): Record<string, unknown> {
  const { post, updates } = cardMessages(h, endpoint);
  return card(updates.at(-1) ?? post);
}

/**
 * The smoke-test lines of one sample on a rollout card: its verdict, the live and the new deployment's answers, and
 * any error text ("borderline: pass · label changed 0 → 1", "blue (live): label 0 (0.470) · 200 · 12 ms", …).
 */
export function smokeLines(card: Record<string, unknown>, sample: string): string[] {
  const containers = (card.body as { type: string }[]).filter((e) => e.type === "Container");
  const found = containers.find((c) => cardText(c).startsWith(`${sample}: `));
  if (!found) throw new Error(`no smoke-test sample ${sample} on the card:\n${cardText(card)}`);
  return cardText(found).split("\n");
}

/** The smoke test's summary line on a rollout card ("Smoke test: 6 of 6 samples passed on green · …"). */
export const smokeSummary = (card: Record<string, unknown>): string | undefined =>
  cardText(card)
    .split("\n")
    .find((line) => line.startsWith("Smoke test: "));

/**
 * The rollout's card (as it is now in the release channel) as `user` sees it: the card everyone sees has no decision
 * buttons, so they ask for their own view ("Show my options" — in Teams, the card's refresh does it for them).
 */
export async function viewOfCard(h: BotHarness, endpoint: string, user: Member): Promise<Record<string, unknown>> {
  const { post } = cardMessages(h, endpoint);
  const show = buttonsOf(latestCard(h, endpoint)).find((b) => b.title === "Show my options");
  if (!show) throw new Error(`no "Show my options" on the card of ${endpoint}:\n${cardText(latestCard(h, endpoint))}`);
  const answer = await clickWith(h, post, user, show.verb, show.data);
  if (answer.body.type !== "application/vnd.microsoft.card.adaptive") {
    throw new Error(`asking for ${user.name}'s view answered ${JSON.stringify(answer.body)}`);
  }
  return answer.body.value as Record<string, unknown>;
}

/** Clicks a button of the rollout's card (as it is now) in the release channel, on `user`'s own view of it. */
export async function clickOnCard(
  h: BotHarness,
  endpoint: string,
  user: Member,
  title: RegExp,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: { statusCode: number; type: string; value: unknown } }> {
  const { post } = cardMessages(h, endpoint);
  const view = await viewOfCard(h, endpoint, user);
  const button = buttonsOf(view).find((b) => title.test(b.title));
  if (!button) {
    throw new Error(
      `no button ${title} on ${user.name}'s view: ${buttonsOf(view)
        .map((b) => b.title)
        .join(", ")}`,
    );
  }
  return clickWith(h, post, user, button.verb, { ...button.data, ...extra });
}

/** A click with given data on the rollout card's message (to replay an old card's button). */
export async function clickWith(
  h: BotHarness,
  post: SentActivity,
  user: Member,
  verb: string,
  data: Record<string, unknown>,
): Promise<{ status: number; body: { statusCode: number; type: string; value: unknown } }> {
  const activity = cardAction(h.connector.url, user, verb, data, true);
  activity.conversation = { ...(activity.conversation as object), id: post.conversationId };
  activity.replyToId = post.conversationId.split(";messageid=")[1];
  const answer = await h.post(activity);
  await h.app.bot.idle();
  return answer as { status: number; body: { statusCode: number; type: string; value: unknown } };
}

/** The text an invoke answer shows: its card's text, or its error message. */
export function answerText(answer: { body: { type: string; value: unknown } }): string {
  const value = answer.body.value;
  if (answer.body.type === "application/vnd.microsoft.card.adaptive") return cardText(value as Record<string, unknown>);
  return typeof value === "object" && value && "message" in value ? String(value.message) : String(value);
}
