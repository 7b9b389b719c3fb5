// Rollout helpers for tests that run the bot as a child process (bot-process.ts): the endpoint, the card in the release
// channel at the test's connector, and what a finished rollout must have left in the workspace.
import { expect } from "vitest";
import { WorkspaceAdmin, buttonsOf, cardText, patientPayload, readReply } from "./bot-fixtures.js";
import { USERS } from "./bot-harness.js";
import { waitFor, type BotProcess, type ClickAnswer } from "./bot-process.js";
import type { ConnectorServer, SentActivity } from "./connector-server.js";
import { cardMessages, latestCard } from "./rollout-fixtures.js";

export const BLUE_ONLY = { blue: 100 };
/** The default plan's traffic after each step. */
export const STEPS = [{ blue: 90, green: 10 }, { blue: 10, green: 90 }, { green: 100 }];

/** The rollout card's text in the release channel once it shows `text` (waits for the bot to get there). */
export function cardShows(connector: ConnectorServer, endpoint: string, text: string): Promise<string> {
  return waitFor(() => {
    try {
      const shown = cardText(latestCard({ connector }, endpoint));
      return shown.includes(text) ? shown : undefined;
    } catch {
      return undefined; // not posted yet
    }
  }, `the card of ${endpoint} to show "${text}"`);
}

/**
 * The button titled `title` on `user`'s own view of the rollout card as the channel shows it now (the card everyone
 * sees has no decision buttons: they ask for their view, as in the Playground), and the card's message.
 */
export async function buttonOnView(
  bot: BotProcess,
  connector: ConnectorServer,
  endpoint: string,
  title: string,
  user = USERS.approver,
): Promise<{ post: SentActivity; button: { verb: string; data: Record<string, unknown> } }> {
  const { post } = cardMessages({ connector }, endpoint);
  const show = buttonsOf(latestCard({ connector }, endpoint)).find((b) => b.title === "Show my options");
  if (!show) throw new Error(`no "Show my options" on the card of ${endpoint}`);
  const view = await bot.click(post, user, show.verb, show.data);
  const button = buttonsOf(view.body.value as Record<string, unknown>).find((b) => b.title === title);
  if (!button) throw new Error(`no button "${title}" on ${user.name}'s view of the card of ${endpoint}`);
  return { post, button };
}

/** Clicks the button titled `title` on `user`'s view of the rollout card, sent to `bot`. */
export async function clickOnCard(
  bot: BotProcess,
  connector: ConnectorServer,
  endpoint: string,
  title: string,
  user = USERS.approver,
): Promise<ClickAnswer> {
  const { post, button } = await buttonOnView(bot, connector, endpoint, title, user);
  return bot.click(post, user, button.verb, button.data);
}

/** Whether a click's answer says it was taken (a refused one comes back as the card as it is now, with why). */
export const accepted = (text: string, what: string): boolean => text.includes(what) && !text.includes("Out of date");

/** An endpoint with blue = diabetes:1 at 100 %, and one sample for the smoke test (added in chat, as a user would). */
export async function anEndpoint(admin: WorkspaceAdmin, bot: BotProcess, endpoint: string): Promise<void> {
  await admin.createEndpoint(endpoint);
  await admin.createDeployment(endpoint, "blue", 1);
  await admin.setTraffic(endpoint, BLUE_ONLY);
  const stored = await bot.say(
    USERS.operator,
    `sample add ${endpoint} typical-patient\n\`\`\`json\n${patientPayload()}\n\`\`\``,
  );
  expect(stored.map(readReply).join("\n")).toContain(`Stored sample 'typical-patient' for ${endpoint}`);
}

/** Everything a rollout that went through every step and retired blue must have left, whatever happened on the way. */
export async function expectFinishedOnce(
  admin: WorkspaceAdmin,
  connector: ConnectorServer,
  endpoint: string,
): Promise<void> {
  expect(await admin.trafficOf(endpoint)).toEqual({ green: 100 });
  // Each step's traffic changed exactly once (the first two changes are the endpoint's creation and blue 100).
  expect(await admin.trafficChanges(endpoint)).toEqual([{}, BLUE_ONLY, ...STEPS]);
  const writes = await admin.writes(endpoint);
  expect(writes.filter((w) => w.deployment === "green").map((w) => w.method)).toEqual(["PUT"]);
  expect(writes.filter((w) => w.deployment === "blue").map((w) => w.method)).toEqual(["PUT", "DELETE"]);
  // One card (cardMessages insists), updated in place; the requester told once that it is complete.
  const { post, updates } = cardMessages({ connector }, endpoint);
  const cardId = post.conversationId.split(";messageid=")[1];
  expect(new Set(updates.map((u) => u.activity.id))).toEqual(new Set([cardId]));
  const toRequester = (): string[] =>
    connector.sent
      .filter((s) => s.conversationId === `personal-${USERS.operator.id}`)
      .map(readReply)
      .filter((t) => t.includes(`Your rollout of diabetes:2 to ${endpoint} is complete`));
  // It goes out after the card's last update.
  await waitFor(() => toRequester().length > 0, "the requester's message");
  expect(toRequester()).toHaveLength(1);
}
