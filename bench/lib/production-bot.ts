import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let built: Promise<void> | undefined;

/** `npm run build`, once per bench run however many benchmarks need the production bot. */
export function buildForProduction(): Promise<void> {
  built ??= promisify(execFile)("npm", ["run", "build"], { cwd: ROOT }).then(
    () => undefined,
    (error: unknown) => {
      throw new Error(`npm run build failed, so the production bot cannot be measured:\n${String(error)}`);
    },
  );
  return built;
}

/** infra/main.bicep's startup command with its script in this checkout: what is measured is what is deployed. */
export function productionArgs(): string[] {
  const command = /appCommandLine:\s*'([^']+)'/.exec(readFileSync(join(ROOT, "infra/main.bicep"), "utf8"))?.[1];
  const [program, ...args] = command?.split(/\s+/) ?? [];
  if (program !== "node") throw new Error(`infra/main.bicep's appCommandLine is not a node command: ${command}`);
  return args.map((arg) => (arg.endsWith(".js") ? join(ROOT, arg) : arg));
}

/** The production command as the report shows it (paths relative to the checkout). */
export function productionCommand(): string {
  return ["node", ...productionArgs().map((a) => a.replace(ROOT, ""))].join(" ");
}

/** A production bot process (built beforehand with `buildForProduction`). */
export interface ProductionBot {
  /** Its server, without `/api/messages`. */
  url: string;
  pid: number;
  /** What it wrote to stderr, and its log lines above info. */
  problems: string[];
  /** SIGTERM, as the platform stops it; SIGKILL if it has not ended after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts the production bot with `env` as its whole environment (besides PATH and TMPDIR), in `cwd`: a folder with no
 * .env, so a developer's settings do not leak into the measurement. Resolves once it listens.
 */
export async function startProductionBot(cwd: string, env: Record<string, string>): Promise<ProductionBot> {
  const bot = spawn(process.execPath, productionArgs(), {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => bot.once("exit", () => resolve()));
  const problems: string[] = [];
  // restify reads process.binding('http_parser'), which Node reports as deprecated on every start.
  bot.stderr.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    if (!/DEP0111|--trace-deprecation/.test(text)) problems.push(text);
  });
  const stop = async (timeoutMs = 30_000): Promise<void> => {
    if (bot.exitCode === null && bot.signalCode === null) bot.kill("SIGTERM");
    const timer = setTimeout(() => bot.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the bot did not listen within 60 s:\n${problems.join("\n")}`)),
        60_000,
      );
      createInterface({ input: bot.stdout }).on("line", (line) => {
        if (!line.startsWith("{")) return;
        const entry = JSON.parse(line) as { level?: string; message?: string; url?: string };
        if (entry.level !== "info") problems.push(line);
        if (entry.message === "GreenLight is listening" && entry.url) {
          clearTimeout(timer);
          resolve(entry.url.replace(/\/api\/messages$/, ""));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the bot exited before it listened:\n${problems.join("\n")}`));
      });
    });
    return { url, pid: bot.pid ?? 0, problems, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
