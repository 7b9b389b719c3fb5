import type { CloudAdapter } from "botbuilder";
import type { Notifier } from "../ports/notifier.js";
import { BotAdapter } from "./bot-auth.js";
import { CardRenderer } from "./cards/render-card.js";
import { GreenLightBot, type BotDependencies } from "./greenlight-bot.js";
import { TeamsNotifier } from "./teams-notifier.js";
import { sayUnexpectedFailure } from "./unexpected-failure.js";

/** botbuilder's configuration keys (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId, MicrosoftAppType). */
export type BotAuthSettings = Record<string, string | undefined>;

/** The Teams edge: botbuilder's adapter, the bot that takes its turns, and the notifier for proactive messages. */
export interface TeamsEdge {
  adapter: CloudAdapter;
  bot: GreenLightBot;
  notifier: Notifier;
}

/**
 * With `MicrosoftAppId` set every request must carry a valid Bot Framework token (401 otherwise, 503 when the signing
 * keys cannot be loaded); without it auth is off, for the local Playground.
 */
export function createTeamsEdge(auth: BotAuthSettings, deps: Omit<BotDependencies, "cards">): TeamsEdge {
  const cards = new CardRenderer();
  const adapter = new BotAdapter(auth, deps.log);
  adapter.onTurnError = (ctx, error) => sayUnexpectedFailure(ctx, error, deps.log);
  const notifier = new TeamsNotifier(adapter, deps.appId, cards, deps.store);
  return { adapter, notifier, bot: new GreenLightBot({ ...deps, cards }, adapter, notifier) };
}
