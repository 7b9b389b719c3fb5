// What App Service runs: `npm run build` in a copy of the app, then infra/main.bicep's startup command in a folder
// that has the build's output but no TypeScript sources, and only production packages minus tsx.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 60_000;

describe("production build", () => {
  let app: string;
  let emulator: RunningEmulator;
  let bot: ChildProcess | undefined;
  let output = "";

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), "greenlight-build-"));
    const projectFiles = readdirSync(ROOT).filter((name) => /^(package\.json|tsconfig.*\.json)$/.test(name));
    for (const file of projectFiles) await cp(join(ROOT, file), join(app, file));
    await cp(join(ROOT, "src"), join(app, "src"), { recursive: true });
    await symlink(join(ROOT, "node_modules"), join(app, "node_modules"));
    await promisify(execFile)("npm", ["run", "build"], { cwd: app });

    for (const path of ["src", "node_modules", ...projectFiles.filter((name) => name !== "package.json")]) {
      await rm(join(app, path), { recursive: true });
    }
    await linkProductionPackages(join(app, "node_modules"));
    for (const folder of ["cards", "config"]) await symlink(join(ROOT, folder), join(app, folder));
    emulator = await startEmulator({ dataDir: join(app, "emulator"), port: 0, provisioningDelayMs: 0 });
  }, 180_000);

  afterAll(async () => {
    if (bot && bot.exitCode === null) {
      const exited = new Promise((resolve) => bot?.once("exit", resolve));
      bot.kill("SIGTERM");
      await exited;
    }
    await emulator?.close();
    await rm(app, { recursive: true, force: true });
  });

  it("starts with infra's startup command and answers /healthz, without tsx or the TypeScript sources", async () => {
    const command = /appCommandLine:\s*'([^']+)'/.exec(readFileSync(join(ROOT, "infra/main.bicep"), "utf8"))?.[1];
    expect(command).toBeDefined();
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts["start:prod"], "npm run start:prod starts it as App Service does").toBe(command);
    const [program, ...args] = (command ?? "").split(/\s+/);
    expect(program).toBe("node");
    expect(command).not.toMatch(/tsx|\.ts\b/);

    bot = spawn(process.execPath, args, {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        LOCAL_WORKSPACE_URL: emulator.armBaseUrl,
        LOCAL_WORKSPACE_ID: emulator.workspaceId,
        EMULATOR_DATA_DIR: join(app, "emulator"),
        DATA_DIR: join(app, "data"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    bot.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const url = await listeningUrl(bot, () => output);

    const health = await fetch(`${url}/healthz`);
    expect(health.status, output).toBe(200);
    const argv = readFileSync(`/proc/${bot.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    expect(argv.at(-1)).toBe("dist/main.js");
    expect(argv.join(" ")).not.toMatch(/tsx/);

    const closed = new Promise((resolve) => bot?.once("close", resolve));
    bot.kill("SIGTERM");
    await closed;
    // The startup command silences the warning restify's spdy causes as it loads (process.binding).
    expect(output).not.toMatch(/DEP0111/);
  });
});

/** What `npm ci --omit=dev` installs (package-lock's non-dev packages), without tsx: links into the real ones. */
async function linkProductionPackages(target: string): Promise<void> {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1];
    if (!name || entry.dev || name === "tsx") continue;
    await mkdir(dirname(join(target, name)), { recursive: true });
    await symlink(join(ROOT, "node_modules", name), join(target, name));
  }
}

function listeningUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the bot did not start within ${START_TIMEOUT_MS} ms:\n${output()}`)),
      START_TIMEOUT_MS,
    );
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the bot exited with ${String(code)}:\n${output()}`));
    });
    child.stdout?.on("data", () => {
      const url = /"message":"GreenLight is listening","url":"(http:\/\/[^"]+)\/api\/messages"/.exec(output())?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
  });
}
