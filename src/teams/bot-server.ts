import type { CloudAdapter } from "botbuilder";
import restify from "restify";
import type { Logger } from "../logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { Store } from "../ports/store.js";
import type { Workspace } from "../ports/workspace.js";
import type { EdgeOnFirstUse } from "./edge-on-first-use.js";
import { checkActivity } from "./incoming-activity.js";
import { ReadinessProbe, type ReadinessOptions } from "./readiness.js";

export interface RunningBot {
  url: string;
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

/** What `/readyz` asks, and where the server logs. */
export interface ServerDependencies {
  store: Pick<Store, "ping">;
  workspace: Pick<Workspace, "ping">;
  log: Logger;
}

/** `POST /api/messages` through the edge's adapter (the edge loads with the first one), `/healthz` and `/readyz`. */
export async function startBotServer(
  edge: EdgeOnFirstUse,
  deps: ServerDependencies,
  listen: { host: string; port: number },
  readiness: ReadinessOptions = READINESS,
): Promise<RunningBot> {
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
    const turn = (async () => {
      const { adapter, bot } = await edge.get();
      // restify's request satisfies the adapter's minimal Request; the types differ only in optionality.
      await adapter.process(req as Parameters<CloudAdapter["process"]>[0], res, (ctx) => bot.run(ctx));
    })();
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
    await edge.idle();
  };
  return {
    url: `http://${listen.host}:${port}`,
    notifier: edge.notifier,
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
