import { randomUUID } from "node:crypto";
import type { CloudAdapter, TurnContext } from "botbuilder";
import restify from "restify";
import type { Logger } from "../logger.js";
import { BotAdapter } from "./bot-auth.js";
import type { Notifier } from "../ports/notifier.js";
import { errorText, GreenLightBot, type BotDependencies } from "./greenlight-bot.js";
import { checkActivity } from "./incoming-activity.js";
import { ReadinessProbe, type ReadinessOptions } from "./readiness.js";

/** botbuilder's configuration keys (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId, MicrosoftAppType). */
export type BotAuthSettings = Record<string, string | undefined>;

export interface RunningBot {
  url: string;
  bot: GreenLightBot;
  /** Proactive posts through this bot's adapter. */
  notifier: Notifier;
  /**
   * Stops taking work: from now on `/api/messages` and `/readyz` answer 503, so a load balancer sends the traffic to
   * other instances; `/healthz` still answers (the process is alive, finishing what it holds).
   */
  stopAccepting(): void;
  /** Resolves once the turns in progress and the card updates they started in the background have finished. */
  idle(): Promise<void>;
  /** Stops taking work, waits for what was started, then closes the server. */
  close(): Promise<void>;
}

const MAX_ACTIVITY_BYTES = 1024 * 1024;
/** A probe is answered within a few seconds even when a dependency hangs; a load balancer probes every few seconds. */
const READINESS: ReadinessOptions = { timeoutMs: 3000, reuseMs: 2000 };

/**
 * `POST /api/messages` through botbuilder's CloudAdapter. With `MicrosoftAppId` set every request must carry a valid
 * Bot Framework token (401 otherwise, 503 when the signing keys cannot be loaded); without it auth is off, for the
 * local Playground.
 */
export async function startBotServer(
  deps: BotDependencies,
  auth: BotAuthSettings,
  listen: { host: string; port: number },
  readiness: ReadinessOptions = READINESS,
): Promise<RunningBot> {
  const adapter = new BotAdapter(auth, deps.log);
  const bot = new GreenLightBot(deps, adapter);
  adapter.onTurnError = (ctx, error) => onTurnError(ctx, error, deps.log);

  const server = restify.createServer({ name: "greenlight" });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_ACTIVITY_BYTES, mapParams: false }));
  let accepting = true;
  const turns = new Set<Promise<void>>();
  server.post("/api/messages", async (req, res) => {
    if (!accepting) {
      // Shutting down: the Bot Framework retries a 503 elsewhere (or later), and nothing is half-done here.
      res.send(503, { error: "GreenLight is shutting down; try again." });
      return;
    }
    const checked = checkActivity(req.body);
    if (!checked.ok) {
      deps.log.warn("malformed activity refused", { problem: checked.problem });
      res.send(400, { error: `Malformed activity (${checked.problem}).` });
      return;
    }
    // restify's request satisfies the adapter's minimal Request; the types differ only in optionality.
    const turn = adapter.process(req as Parameters<CloudAdapter["process"]>[0], res, (ctx) => bot.run(ctx));
    turns.add(turn);
    try {
      await turn;
    } finally {
      turns.delete(turn);
    }
  });
  // Liveness: the process answers. Nothing else is asked, so a slow database or Azure never gets the process restarted.
  server.get("/healthz", (_req, res, next) => {
    res.send(200, { status: "ok" });
    next();
  });
  // Readiness: whether to send this instance traffic (App Service's health check path). Not audited: no one acts.
  const probe = new ReadinessProbe(deps.store, deps.workspace, deps.log, readiness);
  server.get("/readyz", async (_req, res) => {
    if (!accepting) {
      res.send(503, { status: "stopping" });
      return;
    }
    const answer = await probe.check();
    res.send(answer.ready ? 200 : 503, { status: answer.ready ? "ready" : "not ready", checks: answer.checks });
  });
  await new Promise<void>((resolve) => {
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = server.address().port;
  const idle = async (): Promise<void> => {
    while (turns.size > 0) await Promise.allSettled([...turns]);
    await bot.idle();
  };
  return {
    url: `http://${listen.host}:${port}`,
    bot,
    notifier: bot.notifier,
    stopAccepting: () => {
      accepting = false;
    },
    idle,
    close: async () => {
      // Stop taking new work first, then let the work already started (background card updates) finish.
      accepting = false;
      const closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
      await idle();
      await closed;
    },
  };
}

/** The one place unexpected failures end: logged with a reference the user can quote, never a stack in chat. */
async function onTurnError(ctx: TurnContext, error: Error, log: Logger): Promise<void> {
  const ref = randomUUID().slice(0, 8);
  log.error("turn failed", { ref, activityType: ctx.activity.type, error: errorText(error), stack: error.stack });
  try {
    await ctx.sendActivity(
      `Something went wrong (ref ${ref}). Try again; if it keeps happening, give the platform team this ref.`,
    );
  } catch (sendError) {
    log.error("could not tell the user about a failure", { ref, error: errorText(sendError) });
  }
}
