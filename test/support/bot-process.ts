// GreenLight as a child process (test/support/bot-process-main.ts), for tests that kill it, restart it, or run two at
// once: activities are POSTed to its /api/messages, and what it sends arrives at a ConnectorServer in the test.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { cardAction, personalMessage, TENANT, type PostResult } from "./bot-harness.js";
import type { ConnectorServer, Member, SentActivity } from "./connector-server.js";
import { RELEASE_CHANNEL } from "./rollout-fixtures.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const KEPT_LINES = 400;
// As npm start and App Service start the bot: without the DEP0111 warning restify's spdy causes (process.binding).
const NODE_ARGS = ["--import", "tsx", "--disable-warning=DEP0111"];

export interface BotProcessOptions {
  /** The local workspace: its ARM URL, its ARM id, and its CA certificate's path (`<dir>/tls/ca.pem`). */
  emulator: { armBaseUrl: string; workspaceId: string; caCertPath: string };
  /** Where the bot sends replies and cards; its release channel is on it too. */
  connector: ConnectorServer;
  /** The bot's DATA_DIR (its PGlite database lives in `<dataDir>/pglite` unless DATABASE_URL is set). */
  dataDir: string;
  /** More environment (DATABASE_URL, WORKER_LEASE_MS, …); it wins over the defaults here. */
  env?: Record<string, string>;
  /** Name in failure messages ("bot A"). */
  name?: string;
}

/** How a bot process ended. */
export interface BotExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A click's invoke answer, as `clickWith` returns it. */
export type ClickAnswer = { status: number; body: { statusCode: number; type: string; value: unknown } };

/**
 * One bot process in its own process group, configured only by the environment given here (no .env): local mode,
 * the release channel on the test's connector, a fast worker.
 */
export class BotProcess {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly lines: string[],
    private readonly connector: ConnectorServer,
    /** How the store's leases name this process's rollout worker (`rollouts.lease_owner`). */
    readonly workerOwner: string,
    private readonly exit: Promise<BotExit>,
  ) {}

  static async start(options: BotProcessOptions, startTimeoutMs = 60_000): Promise<BotProcess> {
    const name = options.name ?? "bot";
    const child = spawn(process.execPath, [...NODE_ARGS, "test/support/bot-process-main.ts"], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        PORT: "0",
        LOCAL_WORKSPACE_URL: options.emulator.armBaseUrl,
        LOCAL_WORKSPACE_ID: options.emulator.workspaceId,
        EMULATOR_DATA_DIR: dirname(dirname(options.emulator.caCertPath)),
        DATA_DIR: options.dataDir,
        ROLES_FILE: `${PROJECT_ROOT}test/fixtures/roles.test.json`,
        ALLOWED_TENANT_IDS: TENANT,
        RELEASE_CHANNEL_ID: RELEASE_CHANNEL,
        RELEASE_CHANNEL_SERVICE_URL: options.connector.url,
        ROLLOUT_POLL_MS: "50",
        WORKER_IDLE_MS: "50",
        INVOKE_TIMEOUT_MS: "5000",
        ROLLOUT_BAKE_SECONDS: "0",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so a kill reaches whatever it started too (PGlite's initdb).
      detached: true,
    });
    const lines: string[] = [];
    const keep = (line: string): void => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
    };
    const exit = new Promise<BotExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const exited = exit.then(() => undefined);
    let workerOwner = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(child, "SIGKILL");
        reject(new Error(`${name} did not start within ${startTimeoutMs} ms:\n${lines.join("\n")}`));
      }, startTimeoutMs);
      createInterface({ input: child.stderr }).on("line", keep);
      createInterface({ input: child.stdout }).on("line", (line) => {
        keep(line);
        if (!line.startsWith("{")) return;
        const entry = JSON.parse(line) as { message?: string; url?: string; worker?: string };
        if (entry.message === "GreenLight is listening" && entry.url) {
          workerOwner = entry.worker ?? "";
          clearTimeout(timer);
          resolve(entry.url.replace(/\/api\/messages$/, ""));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before it listened:\n${lines.join("\n")}`));
      });
    });
    return new BotProcess(name, url, child, exited, lines, options.connector, workerOwner, exit);
  }

  /** Sends `signal` to its process group, as a platform stopping it would; see `exited` for how it ended. */
  signal(signal: NodeJS.Signals): void {
    killGroup(this.child, signal);
  }

  /** How it ended, once it has (SIGKILL after `timeoutMs`, so a hung process cannot hang the test). */
  async ended(timeoutMs = 120_000): Promise<BotExit> {
    const timer = setTimeout(() => killGroup(this.child, "SIGKILL"), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A GET on the bot's own server (`/healthz`, `/readyz`); undefined when nothing answers there any more. */
  async get(path: string): Promise<{ status: number; body: unknown } | undefined> {
    try {
      const response = await fetch(`${this.url}${path}`);
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    } catch {
      return undefined;
    }
  }

  /** What the process printed lately (its JSON log lines), for failure messages. */
  output(): string {
    return this.lines.join("\n");
  }

  /** Lines it logged at warn or error level. */
  problems(): string[] {
    return this.lines.filter((l) => /"level":"(warn|error)"/.test(l));
  }

  /** SIGKILL to its process group: no shutdown, no lease given back, nothing flushed. Resolves once it is gone. */
  async kill(): Promise<void> {
    killGroup(this.child, "SIGKILL");
    await this.exited;
  }

  /** SIGTERM: the bot closes as in production (finishes its round, sends what is due). */
  async stop(): Promise<void> {
    killGroup(this.child, "SIGTERM");
    const timer = setTimeout(() => killGroup(this.child, "SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  async post(activity: Record<string, unknown>): Promise<PostResult> {
    const response = await fetch(`${this.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Sends a personal message; resolves to the bot's replies to it (sent during the turn). */
  async say(user: Member, text: string): Promise<SentActivity[]> {
    const activity = personalMessage(this.connector.url, user, text);
    const result = await this.post(activity);
    if (result.status >= 300) throw new Error(`${this.name} answered ${result.status}: ${JSON.stringify(result.body)}`);
    return this.connector.sent.filter((s) => s.kind === "send" && s.activity.replyToId === activity.id);
  }

  /** Clicks a button with `data` on the card message `post` (a rollout card in the release channel). */
  async click(post: SentActivity, user: Member, verb: string, data: Record<string, unknown>): Promise<ClickAnswer> {
    return (await this.post(clickOn(this.connector, post, user, verb, data))) as ClickAnswer;
  }
}

/** The invoke activity of a click on a button of the card message `post` (a new activity id each time). */
export function clickOn(
  connector: ConnectorServer,
  post: SentActivity,
  user: Member,
  verb: string,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const activity = cardAction(connector.url, user, verb, data, true);
  activity.conversation = { ...(activity.conversation as object), id: post.conversationId };
  activity.replyToId = post.conversationId.split(";messageid=")[1];
  return activity;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `check` until it returns something other than undefined or false (a condition, not a timing). */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
