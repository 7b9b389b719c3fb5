import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `npm start` end to end: the local workspace, the bot and both Agents Playgrounds, driven in headless Chromium the
 * way a developer uses them. Needs /usr/bin/chromium (Debian package `chromium`; .ci/run installs it). Never runs
 * `npx playwright install`. Screenshots go to E2E_SCREENSHOT_DIR when set, else into the test's temp folder.
 */
const CHROMIUM = "/usr/bin/chromium";
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 60_000;
const UI_TIMEOUT_MS = 20_000;
/** A rollout step: the local workspace's operations take about two seconds each, the worker polls every second. */
const ROLLOUT_TIMEOUT_MS = 45_000;
/** Two whole minutes at least after each step, whenever in its minute it was applied: a chart on the evidence. */
const BAKE_SECONDS = 185;
const BAKE_TIMEOUT_MS = (BAKE_SECONDS + 45) * 1000;
/** Set UPDATE_DOCS_SCREENSHOTS=1 to refresh the README's screenshots in docs/ from this run. */
const DOCS_DIR = fileURLToPath(new URL("../../docs/", import.meta.url));

describe.skipIf(!existsSync(CHROMIUM))(
  `npm start + Agents Playground in headless Chromium (skipped without ${CHROMIUM}: apt-get install chromium; CI installs it)`,
  () => {
    let tmp: string;
    let screenshotDir: string;
    let stack: ChildProcess | undefined;
    let stackExited: Promise<number | null> | undefined;
    let output = "";
    let urls: { operator: string; approver: string };
    let context: BrowserContext | undefined;
    /** The environment npm start ran with: its ports and folders, for the scripts a developer runs beside it. */
    let env: NodeJS.ProcessEnv = {};
    let releases: Page | undefined;
    let alex: Page | undefined;

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), "greenlight-e2e-"));
      screenshotDir = process.env.E2E_SCREENSHOT_DIR ?? join(tmp, "screenshots");
      mkdirSync(screenshotDir, { recursive: true });
      const [bot, emulator, operator, approver] = await freePorts(4);
      env = {
        ...process.env,
        PORT: String(bot),
        EMULATOR_PORT: String(emulator),
        LOCAL_WORKSPACE_URL: `https://127.0.0.1:${emulator}`,
        PLAYGROUND_OPERATOR_PORT: String(operator),
        PLAYGROUND_APPROVER_PORT: String(approver),
        EMULATOR_DATA_DIR: join(tmp, "emulator"),
        DATA_DIR: join(tmp, "data"),
        // Local mode whatever a developer's .env says (set-but-empty wins over .env).
        DATABASE_URL: "",
        AZURE_SUBSCRIPTION_ID: "",
        AZURE_RESOURCE_GROUP: "",
        AZURE_ML_WORKSPACE: "",
        MicrosoftAppId: "",
        ROLES_FILE: "",
        // Evidence within the test's minutes: metrics at once, a bake that always holds a whole settled minute, and
        // clients busy enough for a verdict on 10 % of their requests.
        ROLLOUT_BAKE_SECONDS: String(BAKE_SECONDS),
        METRICS_DELAY_SECONDS: "0",
        LOCAL_TRAFFIC_RPS: "20",
        GATE_MIN_REQUESTS: "20",
      };
      stack = spawn(process.execPath, ["--import", "tsx", "src/dev/start-local.ts"], {
        cwd: PROJECT_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      stack.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      stack.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      const child = stack;
      stackExited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));

      urls = await waitForBanner(() => output, stackExited, START_TIMEOUT_MS);
      context = await chromium.launchPersistentContext(join(tmp, "chromium-profile"), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
        viewport: { width: 1400, height: 900 },
      });
    }, START_TIMEOUT_MS + 15_000);

    afterAll(async () => {
      await context?.close().catch(() => undefined);
      const problems = await stopStack(stack, stackExited, output);
      if (!process.env.E2E_SCREENSHOT_DIR) rmSync(tmp, { recursive: true, force: true });
      expect(problems, `npm start did not stop cleanly:\n${output}`).toEqual([]);
    }, 30_000);

    it("shows the endpoint list and details to the operator, and the approver her roles and the release channel", async () => {
      expect(output).toMatch(/Operator \(Alex Wilber\): http:\/\/localhost:\d+/);
      expect(output).toMatch(/Approver \(Megan Bowen\): http:\/\/localhost:\d+/);
      const ctx = context!;

      const operator = await openPersonalChat(ctx, urls.operator);
      try {
        await send(operator, "endpoints");
        const list = operator.locator(".ac-adaptiveCard").filter({ hasText: "Online endpoints" }).last();
        await waitForText(list, ["diabetes-prod", "blue", "100%"]);
        await operator.screenshot({ path: join(screenshotDir, "operator-endpoints.png") });

        // The endpoint row's selectAction (Action.Execute "show"): the card is replaced by the endpoint's details.
        await list.getByText("diabetes-prod", { exact: true }).click();
        const details = operator.locator(".ac-adaptiveCard").filter({ hasText: "Scoring URI" }).last();
        await waitForText(details, [
          "diabetes-prod",
          "Auth mode",
          "/endpoints/diabetes-prod/score",
          "blue",
          "diabetes:1",
        ]);
        await operator.screenshot({ path: join(screenshotDir, "operator-show.png") });

        // Usage placeholders are text, not HTML the client drops.
        await send(operator, "help");
        const help = operator.locator(".ac-adaptiveCard").filter({ hasText: "GreenLight commands" }).last();
        await waitForText(help, ["show <endpoint>", "logs <endpoint> <deployment> [tail N]"]);
      } catch (error) {
        await operator.screenshot({ path: join(screenshotDir, "operator-failure.png") }).catch(() => undefined);
        throw withScreenshots(error, screenshotDir);
      }

      const approver = await openPersonalChat(ctx, urls.approver);
      try {
        await send(approver, "whoami");
        const card = approver.locator(".ac-adaptiveCard").filter({ hasText: "Megan Bowen" }).last();
        await waitForText(card, ["Roles", "approver", "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02"]);
        await approver.screenshot({ path: join(screenshotDir, "approver-whoami.png") });

        // The approver's Releases channel is the local release channel: GreenLight says hello there when the page
        // (the Playground) installs it.
        await openChannelUntil(
          approver,
          "ML Platform 0002 - Releases",
          /GreenLight is online, managing the local workspace/,
        );
        await approver.screenshot({ path: join(screenshotDir, "approver-releases.png") });
      } catch (error) {
        await approver.screenshot({ path: join(screenshotDir, "approver-failure.png") }).catch(() => undefined);
        throw withScreenshots(error, screenshotDir);
      }
    }, 60_000);

    it("rolls out diabetes:2: Megan approves each step from her own view once it has baked, with the evidence on the card", async () => {
      const ctx = context!;
      // The Playground shows only what arrives while a page is open: Megan watches the Releases channel first.
      releases = await openReleases(ctx, urls.approver);
      const operator = (alex = await openPersonalChat(ctx, urls.operator));
      const card = rolloutCard(releases, "diabetes:2");
      try {
        await send(operator, "deploy diabetes:2 to diabetes-prod");
        await waitForReply(operator, "Started the rollout of diabetes:2 to diabetes-prod");
        for (const [step, traffic] of [
          [1, "blue 90% · green 10%"],
          [2, "blue 10% · green 90%"],
          [3, "green 100%"],
        ] as const) {
          await waitForText(card, [`to approve step ${step} of 3`], step === 2 ? BAKE_TIMEOUT_MS : ROLLOUT_TIMEOUT_MS);
          if (step === 1) {
            // The smoke test compares the two models' predictions: one sample's label changes.
            await waitForText(card, [
              "Smoke test: 6 of 6 samples passed on green · 1 of 6 changed label (borderline: 0 → 1)",
            ]);
            await saveDocScreenshot(card, "rollout-approval-card.png", screenshotDir);
          }
          if (step === 2) {
            // After its bake, step 1's evidence: live against new in the same minutes, each gate's verdict.
            await waitForText(card, ["Gates pass: green is within every limit", "Failed share", "p95"]);
            await saveDocScreenshot(card, "rollout-evidence-card.png", screenshotDir);
          }
          // Everyone sees the card without buttons; Megan asks for hers (Teams would refresh it for her).
          await showMyOptions(card);
          await waitForText(card, [`Approve step ${step}`, "Reject"]);
          if (step === 1) await saveDocScreenshot(card, "rollout-approver-view.png", screenshotDir);
          await card.getByRole("button", { name: `Approve step ${step}` }).click();
          await waitForText(card, [`Baking step ${step} of 3`], ROLLOUT_TIMEOUT_MS);
          // Alex sees the traffic follow in his own chat.
          await send(operator, "show diabetes-prod");
          const details = operator.locator(".ac-adaptiveCard").filter({ hasText: "Scoring URI" }).last();
          await waitForText(details, [traffic]);
          if (step === 1) await saveDocScreenshot(details, "rollout-show-after-step-1.png", screenshotDir);
          if (step >= 2) {
            // Megan is an admin too: she ends the later bakes early, with a reason.
            await showMyOptions(card);
            await card.locator("input, textarea").first().fill("step 1 baked clean; demo time");
            await card.getByRole("button", { name: "End bake now" }).click();
            await waitForText(
              card,
              [step === 3 ? "All traffic on green" : `to approve step ${step + 1} of 3`],
              ROLLOUT_TIMEOUT_MS,
            );
          }
        }
        await showMyOptions(card);
        await waitForText(card, ["Retire blue", "Keep blue"]);
        await saveDocScreenshot(card, "rollout-promoted-card.png", screenshotDir);
        await card.getByRole("button", { name: "Keep blue" }).click();
        await waitForText(card, ["Completed", "blue (diabetes:1) — kept at 0 %"], ROLLOUT_TIMEOUT_MS);
        await waitForReply(operator, "Your rollout of diabetes:2 to diabetes-prod is complete");
      } catch (error) {
        throw await failWith(error, screenshotDir, operator, releases);
      }
    }, 480_000);

    it("blocks diabetes:3 on its failed smoke test until Megan (an admin) overrides it; its first live step is rolled back with no click", async () => {
      const operator = alex!;
      const card = rolloutCard(releases!, "diabetes:3");
      try {
        await send(operator, "deploy diabetes:3 to diabetes-prod");
        await waitForText(card, ["Blocked: the smoke test failed", "FAIL · blue answered 424"], ROLLOUT_TIMEOUT_MS);
        await waitForText(card, ["An unexpected error occurred in scoring script"]);
        await waitForReply(operator, "Your rollout of diabetes:3 to diabetes-prod failed its smoke test");
        await showMyOptions(card);
        await waitForText(card, ["Override smoke test", "Reject"]);
        await card.locator("input, textarea").first().fill("v3 caps pregnancies at 9; known and accepted");
        await card.getByRole("button", { name: "Override smoke test" }).click();
        await waitForText(card, ["Smoke test overridden by", "v3 caps pregnancies at 9"], ROLLOUT_TIMEOUT_MS);
        await showMyOptions(card);
        await card.getByRole("button", { name: "Approve step 1" }).click();
        await waitForText(card, ["Baking step 1 of 3"], ROLLOUT_TIMEOUT_MS);
        // The demo's clients send patients with 10 or more pregnancies now and then: blue fails them in its first
        // minutes of live traffic, and the gates put the start back without anyone clicking.
        await waitForText(
          card,
          [
            "Rolled back: starting traffic restored",
            "GreenLight rolled it back automatically: the failed-request gate",
          ],
          BAKE_TIMEOUT_MS,
        );
        await waitForText(card, ["Gates breached by blue: failed requests"]);
        await saveDocScreenshot(card, "rollout-auto-rollback-card.png", screenshotDir);
        await waitForReply(operator, "GreenLight rolled back diabetes:3 on diabetes-prod automatically");
        await send(operator, "show diabetes-prod");
        const details = operator.locator(".ac-adaptiveCard").filter({ hasText: "Scoring URI" }).last();
        await waitForText(details, ["green 100%"]);
      } catch (error) {
        throw await failWith(error, screenshotDir, operator, releases!);
      }
    }, 360_000);

    it("pauses a rollout whose traffic someone changed outside GreenLight, and Megan continues it from there", async () => {
      const operator = alex!;
      const card = rolloutCard(releases!, "diabetes:1");
      try {
        // green (diabetes:2) is live now; diabetes:1 goes into the idle blue slot.
        await send(operator, "deploy diabetes:1 to diabetes-prod");
        await waitForText(card, ["to approve step 1 of 3"], ROLLOUT_TIMEOUT_MS);
        await showMyOptions(card);
        await card.getByRole("button", { name: "Approve step 1" }).click();
        await waitForText(card, ["Baking step 1 of 3"], ROLLOUT_TIMEOUT_MS);
        await showMyOptions(card);
        await card.locator("input, textarea").first().fill("a rollback drill; no need to wait");
        await card.getByRole("button", { name: "End bake now" }).click();
        await waitForText(card, ["to approve step 2 of 3"], ROLLOUT_TIMEOUT_MS);
        // Someone moves traffic in Azure ML studio meanwhile (here: the README's npm run set-traffic).
        await runScript(["run", "set-traffic", "--", "diabetes-prod", "green=70", "blue=30"], env);
        await showMyOptions(card);
        await card.getByRole("button", { name: "Approve step 2" }).click();
        await waitForText(
          card,
          ["Paused: traffic changed outside GreenLight", "blue 30 / green 70"],
          ROLLOUT_TIMEOUT_MS,
        );
        await showMyOptions(card);
        await waitForText(card, ["Continue from blue 30 / green 70"]);
        await saveDocScreenshot(card, "rollout-paused-card.png", screenshotDir);
        await card.getByRole("button", { name: "Continue from blue 30 / green 70" }).click();
        await waitForText(card, ["to approve step 2 of 3"], ROLLOUT_TIMEOUT_MS);
        await send(operator, "rollback diabetes-prod");
        await waitForReply(operator, "Rolling back diabetes-prod: putting back green 100");
        await waitForText(card, ["Rolled back: starting traffic restored"], ROLLOUT_TIMEOUT_MS);
      } catch (error) {
        throw await failWith(error, screenshotDir, operator, releases!);
      }
    }, 180_000);

    it("deletes diabetes-prod once Megan, not Alex who asked, confirms it by typing its name", async () => {
      const operator = alex!;
      const card = releases!.locator(".ac-adaptiveCard").filter({ hasText: "Delete endpoint diabetes-prod?" }).first();
      try {
        await send(operator, "delete diabetes-prod");
        await waitForReply(operator, "Asked to delete diabetes-prod");
        await waitForText(
          card,
          ["Waiting for an approver other than Alex Wilber to confirm", "green"],
          ROLLOUT_TIMEOUT_MS,
        );
        await showMyOptions(card);
        await card.locator("input, textarea").first().fill("diabetes-prod");
        await card.getByRole("button", { name: "Delete diabetes-prod" }).click();
        await waitForText(card, ["Deleted, as Megan Bowen confirmed"], ROLLOUT_TIMEOUT_MS);
        await waitForReply(
          operator,
          "Endpoint diabetes-prod was deleted, as Alex Wilber asked and Megan Bowen confirmed.",
        );
      } catch (error) {
        throw await failWith(error, screenshotDir, operator, releases!);
      }
    }, 120_000);
  },
);

/** Megan's Releases channel, where approval cards arrive (tall enough for a whole rollout card's screenshot). */
async function openReleases(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.setViewportSize({ width: 1400, height: 2400 });
  await page.goto(url);
  await page.getByRole("treeitem", { name: "ML Platform 0002 - Releases" }).click();
  return page;
}

/** The card of the latest rollout of `model` to diabetes-prod (a channel shows its newest thread first). */
const rolloutCard = (page: Page, model: string): Locator =>
  page
    .locator(".ac-adaptiveCard")
    .filter({ hasText: `Rollout of ${model} to diabetes-prod` })
    .first();

/** The card everyone sees has no decision buttons: ask for one's own view, as Teams' refresh would. */
async function showMyOptions(card: Locator): Promise<void> {
  await card.getByRole("button", { name: "Show my options" }).click();
  await card.getByRole("button", { name: "Show my options" }).waitFor({ state: "detached" });
}

async function waitForReply(page: Page, text: string): Promise<void> {
  await page
    .getByRole("paragraph")
    .filter({ hasText: text })
    .first()
    .waitFor({ state: "visible", timeout: ROLLOUT_TIMEOUT_MS });
}

async function failWith(error: unknown, dir: string, ...pages: Page[]): Promise<Error> {
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: join(dir, `failure-${i}.png`), fullPage: true }).catch(() => undefined);
  }
  return withScreenshots(error, dir);
}

/** Runs an npm script of the project, as a developer would in another terminal, against this run's workspace. */
async function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn("npm", args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`npm ${args.join(" ")} exited with ${String(code)}:\n${out}`);
}

async function openPersonalChat(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.goto(url);
  await page.getByRole("treeitem", { name: "Personal Chat" }).click();
  return page;
}

/**
 * Opens a channel and waits for a post. The Playground shows only what arrives while a page is open; a reload
 * installs the app again (and so brings a fresh greeting) should the first one have been missed.
 */
async function openChannelUntil(page: Page, channel: string, text: RegExp): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.getByRole("treeitem", { name: channel }).click();
    try {
      await page
        .getByText(text)
        .first()
        .waitFor({ state: "visible", timeout: UI_TIMEOUT_MS / 2 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      await page.reload();
    }
  }
}

/** Types into the compose box (a contenteditable div) and sends with Enter. */
async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox").first();
  await box.click();
  await box.pressSequentially(text);
  await page.keyboard.press("Enter");
}

/** Screenshots one card into the run's folder, and into docs/ when UPDATE_DOCS_SCREENSHOTS=1. */
async function saveDocScreenshot(locator: Locator, name: string, dir: string): Promise<void> {
  await locator.screenshot({ path: join(dir, name) });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === "1") {
    mkdirSync(DOCS_DIR, { recursive: true });
    await locator.screenshot({ path: join(DOCS_DIR, name) });
  }
}

/** Waits until `locator` exists and its text contains every one of `texts`. */
async function waitForText(locator: Locator, texts: string[], timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  await locator.waitFor({ state: "visible", timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.innerText().catch(() => "")) ?? "";
    if (texts.every((t) => last.includes(t))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`expected the card to contain ${JSON.stringify(texts)}; it shows:\n${last}`);
}

function withScreenshots(error: unknown, dir: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\n(screenshots in ${dir}; set E2E_SCREENSHOT_DIR to keep them)`, { cause: error });
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function waitForBanner(
  output: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<{ operator: string; approver: string }> {
  let ended: number | null | undefined;
  void exited.then((code) => (ended = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = output();
    const operator = /Operator \([^)]*\):\s+(http:\/\/\S+)/.exec(text)?.[1];
    const approver = /Approver \([^)]*\):\s+(http:\/\/\S+)/.exec(text)?.[1];
    if (operator && approver && text.includes("Press Ctrl-C to stop.")) return { operator, approver };
    if (ended !== undefined) throw new Error(`npm start exited with ${String(ended)} before it was up:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`npm start did not print the Playground URLs within ${timeoutMs / 1000} s:\n${output()}`);
}

/**
 * SIGTERM to npm start (it stops its children). Returns what went wrong: a non-zero exit, or a process group it
 * reported starting ("started <name> (pid N)") that is still there (and is then killed).
 */
async function stopStack(
  stack: ChildProcess | undefined,
  exited: Promise<number | null> | undefined,
  output: string,
): Promise<string[]> {
  if (!stack?.pid || !exited) return [];
  const pid = stack.pid;
  if (stack.exitCode === null && stack.signalCode === null) stack.kill("SIGTERM");
  const timer = setTimeout(() => killGroup(pid, "SIGKILL"), 20_000);
  const code = await exited;
  clearTimeout(timer);
  const problems: string[] = [];
  for (const match of output.matchAll(/started (\S+) \(pid (\d+)\)/g)) {
    const childPid = Number(match[2]);
    if (groupAlive(childPid)) {
      problems.push(`${match[1]} (pid ${childPid}) is still running`);
      killGroup(childPid, "SIGKILL");
    }
  }
  killGroup(pid, "SIGKILL");
  if (code !== 0) problems.push(`npm start exited with ${String(code)}`);
  return problems;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}
