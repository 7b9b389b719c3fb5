import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { loadEmulatorSettings } from "../emulator/settings.js";
import { Child, describeExit, type ChildSpec } from "./child.js";
import { localWorkspaceAccess } from "./local-workspace-access.js";
import { isPortFree, waitForHttp } from "./net.js";
import { OrphanGuard } from "./orphan-guard.js";
import { stopNewestFirst } from "./process-group.js";
import type { WorkspaceRef } from "./traffic/traffic-targets.js";

/**
 * `npm start`. Azure mode: the bot alone. Local mode: the local Azure ML workspace (emulator), the bot, and two
 * Microsoft 365 Agents Playgrounds (operator and approver tenants), each a child process in its own process group.
 * Ctrl-C, SIGTERM or SIGHUP (a closed terminal) stops them all; if one dies, the others are stopped and we exit
 * non-zero; if we die (SIGKILL, a crash), the orphan guard stops them.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PLAYGROUND_BIN = resolve(ROOT, "node_modules/.bin/agentsplayground");
const START_TIMEOUT_MS = 90_000;

const devSchema = z.object({
  PLAYGROUND_OPERATOR_PORT: z.coerce.number().int().min(1).max(65535).default(56150),
  PLAYGROUND_APPROVER_PORT: z.coerce.number().int().min(1).max(65535).default(56151),
  /** Demo scoring requests per second to each endpoint with samples (0: none); empty is the default, not 0. */
  LOCAL_TRAFFIC_RPS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().min(0).max(100).default(5)),
});

interface Tenant {
  name: "operator" | "approver";
  title: string;
  configPath: string;
  port: number;
  /** The Playground's current user (from its config). */
  user: string;
}

async function runLocal(config: Config): Promise<void> {
  const env = config.env;
  const dev = devSchema.safeParse(process.env);
  if (!dev.success)
    fatal(`Environment variable ${dev.error.issues[0]?.path.join(".")} is invalid: ${dev.error.issues[0]?.message}.`);
  let emulatorPort: number;
  try {
    emulatorPort = loadEmulatorSettings(process.env).EMULATOR_PORT;
  } catch (error) {
    fatal(error instanceof Error ? error.message : String(error));
  }
  if (env.PORT === 0) fatal("npm start needs a fixed bot port: PORT=0 is not supported.");
  const traffic = dev.data.LOCAL_TRAFFIC_RPS;
  const tenants: Tenant[] = [
    tenant("operator", "Operator", "playground/operator.yml", dev.data.PLAYGROUND_OPERATOR_PORT),
    tenant("approver", "Approver", "playground/approver.yml", dev.data.PLAYGROUND_APPROVER_PORT),
  ];
  if (config.auth.enabled) {
    say(
      "Note: MicrosoftAppId is set, so the bot requires Bot Framework tokens and the Agents Playground will get 401s.",
    );
  }

  const botHost = env.BOT_HOST === "0.0.0.0" || env.BOT_HOST === "::" ? "127.0.0.1" : env.BOT_HOST;
  const botUrl = `http://${botHost.includes(":") ? `[${botHost}]` : botHost}:${env.PORT}`;
  await checkPorts([
    { port: emulatorPort, host: "127.0.0.1", what: "the local workspace (EMULATOR_PORT)" },
    { port: env.PORT, host: env.BOT_HOST, what: "the bot (PORT)" },
    ...tenants.map((t) => ({
      port: t.port,
      what: `the ${t.name} Playground (PLAYGROUND_${t.name.toUpperCase()}_PORT)`,
    })),
  ]);
  mkdirSync(env.DATA_DIR, { recursive: true });

  const supervisor = new Supervisor();
  process.on("SIGINT", () => void supervisor.shutdown(0, "Stopping (Ctrl-C)…"));
  process.on("SIGTERM", () => void supervisor.shutdown(0, "Stopping (SIGTERM)…"));
  process.on("SIGHUP", () => void supervisor.shutdown(0, "Stopping (SIGHUP)…"));
  // After a hang-up every write to the terminal fails: the children are stopped all the same, unannounced.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

  try {
    const node = (script: string, flags: string[] = []): Pick<ChildSpec, "command" | "args"> => ({
      command: process.execPath,
      args: ["--import", "tsx", ...flags, script],
    });

    // Everything starts at once: the bot waits for the local workspace's CA and samples itself, and greets the
    // release channel only when a Playground installs it there.
    const emulator = supervisor.start({
      name: "emulator",
      ...node("src/emulator/main.ts"),
      env: {
        ...process.env,
        EMULATOR_PORT: String(emulatorPort),
        // Azure Monitor's delay, as long as the bot's gates wait for it (METRICS_DELAY_SECONDS), unless set apart.
        EMULATOR_METRICS_DELAY_SECONDS:
          process.env.EMULATOR_METRICS_DELAY_SECONDS?.trim() || String(config.gates.metricsDelayMs / 1000),
      },
    });
    const banner = ready(emulator, async () => {
      const up = await emulator.waitForLine(/ARM base URL:\s+(\S+)/, START_TIMEOUT_MS, supervisor.signal);
      return up[1] ?? `https://127.0.0.1:${emulatorPort}`;
    });
    const playgrounds = tenants.map((t) => {
      const child = supervisor.start({
        name: t.name,
        command: process.execPath,
        args: [
          PLAYGROUND_BIN,
          "-e",
          `${botUrl}/api/messages`,
          "-c",
          "msteams",
          "--disable-telemetry",
          "-p",
          String(t.port),
        ],
        env: {
          ...process.env,
          TEAMSAPPTESTER_BROWSER: "none",
          M365_AGENTS_PLAYGROUND_CONFIG_PATH: t.configPath,
          M365_AGENTS_PLAYGROUND_LOGFILE: resolve(env.DATA_DIR, `playground-${t.name}.log`),
        },
        // On a small machine the four processes start on too few cores: the Playgrounds are up well before the bot,
        // which is what the URLs wait for, so they give way to it.
        nice: 10,
      });
      return ready(child, () =>
        waitForHttp(`http://127.0.0.1:${t.port}/`, {
          timeoutMs: START_TIMEOUT_MS,
          signal: supervisor.signal,
          what: `the ${t.name} Playground`,
        }),
      );
    });
    // Awaited together below; until then a failure of one must not count as unhandled.
    for (const starting of [banner, ...playgrounds]) starting.catch(() => undefined);
    // The emulator listens on 127.0.0.1 at its port; only a port chosen by the system (0) has to be read from it.
    const workspaceUrl = emulatorPort === 0 ? await banner : `https://127.0.0.1:${emulatorPort}`;
    const bot = supervisor.start({
      name: "bot",
      // restify's spdy reads process.binding('http_parser'), deprecated on Node 20: a warning no one can act on.
      ...node("src/main.ts", ["--disable-warning=DEP0111"]),
      // Its own shutdown gives rollouts back within SHUTDOWN_TIMEOUT_MS; a kill before would leave them to their leases.
      stopGraceMs: env.SHUTDOWN_TIMEOUT_MS + 5000,
      env: {
        ...process.env,
        LOCAL_WORKSPACE_URL: workspaceUrl,
        ...releaseChannelOf(tenants.find((t) => t.name === "approver")),
        ...servedTenants(tenants),
      },
    });
    const botUp = ready(bot, () =>
      waitForHttp(`${botUrl}/healthz`, {
        timeoutMs: START_TIMEOUT_MS,
        signal: supervisor.signal,
        accept: (status) => status === 200,
        what: "the bot",
      }),
    );
    const configured = process.env.LOCAL_WORKSPACE_URL?.trim();
    if (configured && configured.replace(/\/$/, "") !== workspaceUrl) {
      say(
        `LOCAL_WORKSPACE_URL=${configured} is ignored by npm start: the bot uses the local workspace it started, ${workspaceUrl}.`,
      );
    }
    await Promise.all([banner, ...playgrounds, botUp]);

    const width = Math.max(...tenants.map((t) => `${t.title} (${t.user}):`.length));
    console.log(
      [
        "",
        "GreenLight is running locally.",
        ...tenants.map((t) => `  ${`${t.title} (${t.user}):`.padEnd(width)} http://localhost:${t.port}`),
        "",
        'Open a URL, choose "Personal Chat" and type:  endpoints',
        "(help lists every command; whoami shows your roles.)",
        `Local workspace: ${workspaceUrl}   Bot: ${botUrl}/api/messages   Playground logs: ${env.DATA_DIR}/playground-*.log`,
        "The Playgrounds listen on all network interfaces, without authentication.",
        ...(traffic > 0
          ? [`Demo traffic: ${traffic} requests/s to each endpoint with samples (LOCAL_TRAFFIC_RPS=0 turns it off).`]
          : []),
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
    if (traffic > 0 && config.workspace.mode === "local") {
      await startTraffic({ ...config.workspace, url: workspaceUrl }, traffic, supervisor.signal);
    }
  } catch (error) {
    if (supervisor.stopping) return;
    const child = error instanceof StartFailure ? error.child : undefined;
    const lines = child ? `\nLast lines from ${child.name}:\n${indent(child.lastLines())}` : "";
    const cause = error instanceof StartFailure ? error.cause : error;
    await supervisor.shutdown(1, `npm start failed: ${cause instanceof Error ? cause.message : String(cause)}${lines}`);
  }

  function tenant(name: Tenant["name"], title: string, path: string, port: number): Tenant {
    const configPath = resolve(ROOT, path);
    return { name, title, configPath, port, user: playgroundUser(configPath) ?? name };
  }
}

/**
 * The demo traffic, in this process rather than one of its own: it starts once everything is up, so it costs npm start
 * nothing on the way there, and it stops (sends nothing more) as soon as stopping begins, before the children do.
 */
async function startTraffic(
  workspace: WorkspaceRef & { url: string; caCertPath: string },
  requestsPerSecond: number,
  stopping: AbortSignal,
): Promise<void> {
  const log = (line: string): void => writeLine("traffic", line, "stdout");
  try {
    // Loaded only now: none of it is needed before the Playground URLs are printed.
    const [{ LocalTraffic }, access] = await Promise.all([
      import("./traffic/local-traffic.js"),
      localWorkspaceAccess(workspace),
    ]);
    if (stopping.aborted) return;
    const traffic = LocalTraffic.start({ access, workspace, requestsPerSecond, log });
    stopping.addEventListener("abort", () => void traffic.stop(), { once: true });
  } catch (error) {
    // The demo goes on without it.
    log(`not started: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A child that did not come up: its last lines go with the error. */
class StartFailure extends Error {
  constructor(
    readonly child: Child,
    override readonly cause: unknown,
  ) {
    super(`${child.name} did not start`);
  }
}

/** Resolves with what `wait` finds once `child` is up; a failure names the child. */
async function ready<T>(child: Child, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    throw new StartFailure(child, error);
  }
}

/**
 * Starts children, and stops them all (newest first) on Ctrl-C, SIGTERM or SIGHUP, or when one of them ends on its
 * own. The orphan guard stops them when this process is gone without having done so.
 */
class Supervisor {
  private readonly children: Child[] = [];
  private readonly abort = new AbortController();
  private readonly guard = OrphanGuard.start(ROOT, (why) =>
    sayError(`The orphan guard ended (${why}): if npm start is killed now, its processes keep running.`),
  );
  private stoppingPromise: Promise<never> | undefined;
  private stoppingSince = 0;

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get stopping(): boolean {
    return this.stoppingPromise !== undefined;
  }

  start(spec: Omit<ChildSpec, "cwd">): Child {
    if (this.stopping) throw new Error(`not starting ${spec.name}: stopping`);
    const child = new Child({ ...spec, cwd: ROOT }, writeLine);
    if (child.pid !== undefined) this.guard.watch(child.pid, child.stopGraceMs);
    this.children.push(child);
    say(`started ${child.name} (pid ${child.pid ?? "?"})`);
    void child.exited.then((exit) => {
      if (this.stopping) return;
      void this.shutdown(
        1,
        `The ${child.name} process ended unexpectedly: it ${describeExit(exit)}. Its last lines:\n${indent(child.lastLines())}`,
      );
    });
    return child;
  }

  shutdown(code: number, message: string): Promise<never> {
    if (this.stoppingPromise) {
      // Ctrl-C reaches us twice (from the terminal and relayed by tsx / npm): only a later one is worth a word.
      if (Date.now() - this.stoppingSince > 1000) say("Still stopping…");
      return this.stoppingPromise;
    }
    this.stoppingSince = Date.now();
    (code === 0 ? say : sayError)(message);
    this.abort.abort();
    this.stoppingPromise = this.stopAll().then(() => process.exit(code));
    return this.stoppingPromise;
  }

  private async stopAll(): Promise<void> {
    await stopNewestFirst(this.children, (c) => this.stopOne(c));
    await this.guard.release();
    say("All stopped.");
  }

  private async stopOne(child: Child): Promise<void> {
    const wasRunning = child.running;
    const exit = await child.stop();
    if (wasRunning && exit.code !== 0 && exit.signal !== "SIGTERM" && exit.signal !== "SIGINT")
      say(`${child.name} ${describeExit(exit)}`);
  }
}

async function checkPorts(wanted: { port: number; host?: string; what: string }[]): Promise<void> {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const w of wanted) {
    if (w.port === 0) continue;
    const other = seen.get(w.port);
    if (other) problems.push(`Port ${w.port} is set for both ${other} and ${w.what}.`);
    else if (!(await isPortFree(w.port, w.host))) {
      problems.push(`Port ${w.port} for ${w.what} is already in use (another npm start or npm run emulator?).`);
    }
    seen.set(w.port, w.what);
  }
  if (problems.length > 0) fatal(`${problems.join("\n")}\nStop the other process, or choose other ports in .env.`);
}

/**
 * In local mode the approver's Playground plays the team's release channel, so the two-person flow runs on one
 * machine: its Releases channel, served by its own connector.
 */
function releaseChannelOf(t: { configPath: string; port: number } | undefined): Record<string, string> {
  if (!t) return {};
  const parsed = parseYaml(readFileSync(t.configPath, "utf8")) as {
    tenantId?: string;
    team?: { channels?: { id?: string }[] };
  };
  const channelId = parsed.team?.channels?.[0]?.id;
  if (!channelId) return {};
  return {
    RELEASE_CHANNEL_ID: channelId,
    RELEASE_CHANNEL_SERVICE_URL: `http://localhost:${t.port}/_connector`,
    ...(parsed.tenantId ? { RELEASE_CHANNEL_TENANT_ID: String(parsed.tenantId) } : {}),
  };
}

/**
 * The demo serves the Playgrounds' tenants only, as GreenLight serves its organization's in Azure: a person of any
 * other tenant (a custom activity, a third Playground) holds no role. ALLOWED_TENANT_IDS in .env wins.
 */
function servedTenants(tenants: readonly { configPath: string }[]): Record<string, string> {
  if (process.env.ALLOWED_TENANT_IDS?.trim()) return {};
  const ids = tenants.flatMap((t) => {
    const parsed = parseYaml(readFileSync(t.configPath, "utf8")) as { tenantId?: unknown } | null;
    return typeof parsed?.tenantId === "string" ? [parsed.tenantId] : [];
  });
  return ids.length > 0 ? { ALLOWED_TENANT_IDS: [...new Set(ids)].join(",") } : {};
}

function playgroundUser(configPath: string): string | undefined {
  try {
    const parsed = parseYaml(readFileSync(configPath, "utf8")) as { currentUser?: { name?: unknown } } | null;
    return typeof parsed?.currentUser?.name === "string" ? parsed.currentUser.name : undefined;
  } catch (error) {
    fatal(`Cannot read the Playground config ${configPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const COLORS = [36, 33, 35, 32, 34];
const NAME_WIDTH = 8;
const colorOf = new Map<string, number>();

function writeLine(name: string, line: string, stream: "stdout" | "stderr"): void {
  const out = stream === "stdout" ? process.stdout : process.stderr;
  let prefix = `${name.padEnd(NAME_WIDTH)} |`;
  if (out.isTTY) {
    if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length] ?? 36);
    prefix = `\u001b[${colorOf.get(name)}m${prefix}\u001b[0m`;
  }
  out.write(`${prefix} ${line}\n`);
}

function say(message: string): void {
  writeLine("start", message, "stdout");
}

function sayError(message: string): void {
  for (const line of message.split("\n")) writeLine("start", line, "stderr");
}

function fatal(message: string): never {
  sayError(message);
  process.exit(1);
}

function indent(lines: string[]): string {
  return lines.length > 0 ? lines.map((l) => `    ${l}`).join("\n") : "    (no output)";
}

// Last, so that every class and constant above is initialised before the top-level await runs.
process.chdir(ROOT);
if (existsSync(".env")) process.loadEnvFile(".env");

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

if (config.workspace.mode === "azure") {
  say("Azure mode: starting the bot only (the local workspace and the Agents Playground are for local mode).");
  await import("../main.js");
} else {
  await runLocal(config);
}
