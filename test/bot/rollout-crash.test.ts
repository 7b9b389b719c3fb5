// The bot process killed with SIGKILL in each phase of a rollout, and started again on the same data folder (PGlite on
// disk): the rollout finishes, no step is applied twice, and the approval card posted before the crash still works.
// The emulator outlives the bot (it runs in the test); its faults hold the rollout in the phase under test. What is
// checked is what a user or an operator would see: the traffic read back from the workspace, the traffic changes the
// workspace accepted (its write log), the one card in the release channel, and the audit rows.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/emulator.js";
import type { Rollout } from "../../src/ports/rollouts.js";
import { openStore } from "../../src/store/open-store.js";
import { cardText, readReply, type WorkspaceAdmin } from "../support/bot-fixtures.js";
import { USERS } from "../support/bot-harness.js";
import { waitFor, type BotProcess, type ClickAnswer } from "../support/bot-process.js";
import { BotProcessStage } from "../support/bot-process-stage.js";
import type { ConnectorServer } from "../support/connector-server.js";
import { answerText, latestCard } from "../support/rollout-fixtures.js";
import * as fixtures from "../support/rollout-process-fixtures.js";
import { STEPS } from "../support/rollout-process-fixtures.js";

/** Short, so a restarted bot takes over the rollout the killed one held soon. */
const LEASE_MS = "1500";

let stage: BotProcessStage;
let emulator: RunningEmulator;
let connector: ConnectorServer;
let admin: WorkspaceAdmin;
let bot: BotProcess;
let starts = 0;

beforeAll(async () => {
  stage = await BotProcessStage.create("crash");
  ({ emulator, connector, admin } = stage);
  bot = await startBot();
});
afterAll(() => stage?.close());

/** A new process on the data folder of the last one. */
function startBot(): Promise<BotProcess> {
  starts += 1;
  return stage.startBot(`bot #${starts}`, { WORKER_LEASE_MS: LEASE_MS }, "bot");
}

/**
 * SIGKILL, then a new process on the same data folder (a new lease owner). Resolves to the endpoint's rollout as the
 * killed process left it, read from the data folder in between (PGlite allows one process at a time).
 */
async function killAndRestart(endpoint: string, beforeStart?: () => Promise<void>): Promise<Rollout | undefined> {
  await bot.kill();
  const store = await openStore({ dataDir: join(stage.root, "bot"), pgliteSharedBuffersMb: 16 });
  const left = await store.rollouts.current(endpoint).finally(() => store.close());
  await beforeStart?.();
  bot = await startBot();
  return left;
}

const anEndpoint = (endpoint: string): Promise<void> => fixtures.anEndpoint(admin, bot, endpoint);
const cardShows = (endpoint: string, text: string): Promise<string> => fixtures.cardShows(connector, endpoint, text);
const clickOnCard = (endpoint: string, title: string): Promise<ClickAnswer> =>
  fixtures.clickOnCard(bot, connector, endpoint, title);
const expectFinishedOnce = (endpoint: string): Promise<void> => fixtures.expectFinishedOnce(admin, connector, endpoint);

async function deploy(endpoint: string): Promise<void> {
  const started = await bot.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
  expect(started.map(readReply).join("\n")).toContain(`Started the rollout of diabetes:2 to ${endpoint}`);
}

/** Approves the steps from `from` (1-based) and checks the traffic after each. */
async function approveSteps(endpoint: string, from = 1): Promise<void> {
  for (let step = from; step <= STEPS.length; step++) {
    const answer = await clickOnCard(endpoint, `Approve step ${step}`);
    expect(answerText(answer)).toContain(`approved step ${step}`);
    await cardShows(endpoint, step < STEPS.length ? `to approve step ${step + 1} of 3` : "All traffic on");
    expect(await admin.trafficOf(endpoint)).toEqual(STEPS[step - 1]);
  }
}

/** Approves the steps from `from` (1-based), retires blue, and checks the traffic after each. */
async function finish(endpoint: string, from = 1): Promise<void> {
  await approveSteps(endpoint, from);
  expect(answerText(await clickOnCard(endpoint, "Retire blue"))).toContain("retiring blue");
  await cardShows(endpoint, "Completed");
}

// Each case starts a bot process (a few seconds on a busy machine) and waits for it to take the rollout over.
describe("the bot killed with SIGKILL and started again", { timeout: 120_000 }, () => {
  it("while green is being created: the new process waits for Azure's operation instead of creating it again", async () => {
    const endpoint = "crash-deploying";
    await anEndpoint(endpoint);
    await admin.injectFault({ kind: "provisioningHold", endpoint, deployment: "green" });
    await deploy(endpoint);
    await cardShows(endpoint, "Deploying green");

    expect(await killAndRestart(endpoint)).toMatchObject({ phase: "deploying" });
    const green = await admin.client.onlineDeployments.get(
      emulator.resourceGroup,
      emulator.workspaceName,
      endpoint,
      "green",
    );
    expect(green.properties.provisioningState).toBe("Creating");
    await admin.clearFaults();
    await cardShows(endpoint, "to approve step 1 of 3");
    expect(cardText(latestCard({ connector }, endpoint))).toContain("1 of 1 samples passed on green");
    await finish(endpoint);
    await expectFinishedOnce(endpoint);
  });

  it("during the smoke test: the new process runs it again and asks for the first approval", async () => {
    const endpoint = "crash-smoke";
    await anEndpoint(endpoint);
    // green answers nothing until the fault is cleared: the smoke test hangs.
    await admin.injectFault({ kind: "scoringDelay", endpoint, deployment: "green", delayMs: 60_000 });
    await deploy(endpoint);
    await cardShows(endpoint, "Smoke test running");

    expect(await killAndRestart(endpoint, () => admin.clearFaults())).toMatchObject({ phase: "smoke_testing" });
    await cardShows(endpoint, "to approve step 1 of 3");
    expect(cardText(latestCard({ connector }, endpoint))).toContain("1 of 1 samples passed on green");
    await finish(endpoint);
    await expectFinishedOnce(endpoint);
  });

  describe("one rollout, killed at each approval and shift", () => {
    const endpoint = "crash-shifting";

    it("while an approval is pending: the card posted before the crash still approves the step", async () => {
      await anEndpoint(endpoint);
      await deploy(endpoint);
      await cardShows(endpoint, "to approve step 1 of 3");

      expect(await killAndRestart(endpoint)).toMatchObject({ phase: "awaiting_approval", step: 0 });
      const answer = await clickOnCard(endpoint, "Approve step 1");
      expect(answerText(answer)).toContain("approved step 1");
      await cardShows(endpoint, "to approve step 2 of 3");
      expect(await admin.trafficOf(endpoint)).toEqual(STEPS[0]);
    });

    it("after an approval, before the traffic change: the new process changes it, once", async () => {
      // Every ARM call hangs for a while: the worker is stuck reading the endpoint when the bot dies.
      await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 2000, count: 1000 });
      expect(answerText(await clickOnCard(endpoint, "Approve step 2"))).toContain("approved step 2");

      const left = await killAndRestart(endpoint, async () => {
        await admin.clearFaults();
        expect(await admin.trafficOf(endpoint)).toEqual(STEPS[0]);
      });
      expect(left).toMatchObject({ phase: "shifting", step: 1 });
      await cardShows(endpoint, "to approve step 3 of 3");
      expect(await admin.trafficOf(endpoint)).toEqual(STEPS[1]);
      expect((await admin.trafficChanges(endpoint)).slice(2)).toEqual(STEPS.slice(0, 2));
    });

    it("after Azure accepted the traffic change, before the bot recorded it: the new process does not change it again", async () => {
      // Each ARM call takes 2 s: once the workspace has the new traffic, the bot still waits for the operation's
      // status before it can record the step, and dies meanwhile.
      await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 2000, count: 1000 });
      expect(answerText(await clickOnCard(endpoint, "Approve step 3"))).toContain("approved step 3");
      await waitFor(async () => (await admin.trafficChanges(endpoint)).length === 5, "the workspace to take green 100");

      expect(await killAndRestart(endpoint, () => admin.clearFaults())).toMatchObject({ phase: "shifting", step: 2 });
      expect(await admin.trafficOf(endpoint)).toEqual(STEPS[2]);
      await cardShows(endpoint, "All traffic on green");
      expect(answerText(await clickOnCard(endpoint, "Retire blue"))).toContain("retiring blue");
      await cardShows(endpoint, "Completed");
      await expectFinishedOnce(endpoint);
    });
  });

  it("after Azure deleted blue, before the bot recorded it: the new process completes the rollout", async () => {
    const endpoint = "crash-retiring";
    await anEndpoint(endpoint);
    await deploy(endpoint);
    await cardShows(endpoint, "to approve step 1 of 3");
    await approveSteps(endpoint);
    // Each ARM call takes 2 s: blue is gone from the workspace while the bot still follows its delete, and dies.
    await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 2000, count: 1000 });
    expect(answerText(await clickOnCard(endpoint, "Retire blue"))).toContain("retiring blue");
    const deletes = async (): Promise<number> =>
      (await admin.writes(endpoint)).filter((w) => w.deployment === "blue" && w.method === "DELETE").length;
    await waitFor(async () => (await deletes()) === 1, "the workspace to take blue's delete");

    expect(await killAndRestart(endpoint, () => admin.clearFaults())).toMatchObject({ phase: "retiring" });
    // The new process reads the traffic (blue has none), deletes blue again — a delete of what is gone is a no-op —
    // and records the rollout completed, blue deleted.
    await cardShows(endpoint, "Completed");
    expect(await admin.trafficOf(endpoint)).toEqual({ green: 100 });
    const names: string[] = [];
    for await (const d of admin.client.onlineDeployments.list(
      emulator.resourceGroup,
      emulator.workspaceName,
      endpoint,
    )) {
      names.push(d.name ?? "");
    }
    expect(names).toEqual(["green"]);
    expect(cardText(latestCard({ connector }, endpoint))).toContain("blue deleted");
  });

  it("left one audit row per step of each rollout, read from the data folder once the bot stopped", async () => {
    await bot.stop();
    const store = await openStore({ dataDir: join(stage.root, "bot") });
    try {
      for (const endpoint of ["crash-deploying", "crash-smoke", "crash-shifting"]) {
        const audit = await store.records.latestAudit({ target: endpoint, limit: 500 });
        const count = (action: string): number => audit.filter((a) => a.action === action).length;
        expect(
          Object.fromEntries(
            ["rollout.request", "rollout.deployed", "rollout.smoke_test", "rollout.approve", "rollout.shift"].map(
              (a) => [a, count(a)],
            ),
          ),
          endpoint,
        ).toEqual({
          "rollout.request": 1,
          "rollout.deployed": 1,
          "rollout.smoke_test": 1,
          "rollout.approve": 3,
          "rollout.shift": 3,
        });
        expect((await store.rollouts.lastEnded(endpoint))?.phase, endpoint).toBe("completed");
      }
    } finally {
      await store.close();
    }
  });
});
