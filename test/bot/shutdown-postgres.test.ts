// Two bot processes on one PostgreSQL database (as behind a load balancer); the one holding a rollout gets SIGTERM,
// as App Service stops an instance when it scales in or restarts. It finishes the Azure action in progress — or, when
// that outlasts SHUTDOWN_TIMEOUT_MS, abandons it without recording anything — gives the rollout back and exits 0, and
// the other instance takes the rollout over at once: WORKER_LEASE_MS is ten minutes here, so a lease left to run out
// would show. Each step reaches the workspace once (the emulator's write log). Skipped unless TEST_DATABASE_URL names a
// database the test may create and drop a schema in (`.ci/run` starts a throwaway server and sets it).
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GreenLightStore } from "../../src/store/open-store.js";
import type { WorkspaceAdmin } from "../support/bot-fixtures.js";
import { USERS } from "../support/bot-harness.js";
import { waitFor, type BotProcess } from "../support/bot-process.js";
import type { ConnectorServer } from "../support/connector-server.js";
import { answerText } from "../support/rollout-fixtures.js";
import { anEndpoint, cardShows, clickOnCard, expectFinishedOnce } from "../support/rollout-process-fixtures.js";
import { SharedDatabase } from "../support/shared-database.js";

const databaseUrl = process.env["TEST_DATABASE_URL"];
const LEASE_MS = 10 * 60_000;
/** Enough to end a traffic change under way, at a second per ARM call. */
const SHUTDOWN_TIMEOUT_MS = 8000;
/** Shorter than the slow smoke test below: a stopping instance gives up on it after about 2.6 s. */
const SHORT_SHUTDOWN_TIMEOUT_MS = 4000;
/** Ten minutes of lease against this: taken over when the instance gave it back, not when its lease ran out. */
const AT_ONCE_MS = 15_000;

describe.runIf(databaseUrl)(
  "two bot processes on one PostgreSQL, the one holding a rollout stopped with SIGTERM (TEST_DATABASE_URL set)",
  { timeout: 120_000 },
  () => {
    let shared: SharedDatabase;
    let connector: ConnectorServer;
    let admin: WorkspaceAdmin;
    let store: GreenLightStore;
    /** The processes still running. */
    let running: BotProcess[] = [];

    const start = (name: string, shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS): Promise<BotProcess> =>
      shared.startBot(`bot ${name}`, {
        WORKER_LEASE_MS: String(LEASE_MS),
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      });

    beforeAll(async () => {
      shared = await SharedDatabase.create("shutdown-pg", databaseUrl);
      ({ connector, admin, store } = shared);
      running = await Promise.all([start("A"), start("B")]);
    });
    afterAll(() => shared?.close());

    /** The endpoint's active rollout's lease owner, read from the database. */
    async function leaseOf(endpoint: string): Promise<{ phase: string; owner: string | undefined } | undefined> {
      const [row] = await shared.query<{ phase: string; lease_owner: string | null }>(
        "SELECT phase, lease_owner FROM rollouts WHERE lower(endpoint) = lower($1) AND active",
        [endpoint],
      );
      return row && { phase: row.phase, owner: row.lease_owner ?? undefined };
    }

    /** Waits until one of the running processes holds the endpoint's rollout in `phase`; that one, and the other. */
    async function holding(endpoint: string, phase: string): Promise<[BotProcess, BotProcess]> {
      const owner = await waitFor(async () => {
        const lease = await leaseOf(endpoint);
        return lease?.phase === phase ? lease.owner : undefined;
      }, `a process to hold ${endpoint} while ${phase}`);
      const holder = running.find((b) => b.workerOwner === owner);
      const other = running.find((b) => b !== holder);
      if (!holder || !other) throw new Error(`no running process owns the lease (${owner})`);
      return [holder, other];
    }

    /** SIGTERM to `bot`; resolves once it ended, with how long that took. */
    async function terminate(bot: BotProcess): Promise<{ exit: Awaited<ReturnType<BotProcess["ended"]>>; ms: number }> {
      const signalled = performance.now();
      bot.signal("SIGTERM");
      const exit = await bot.ended();
      running = running.filter((b) => b !== bot);
      return { exit, ms: performance.now() - signalled };
    }

    /** The worker that recorded the endpoint's `action` (its audit rows carry the worker as correlation id). */
    async function recordedBy(endpoint: string, action: string): Promise<string[]> {
      const audit = await store.records.latestAudit({ target: endpoint, limit: 500 });
      return audit.filter((a) => a.action === action).map((a) => a.correlationId);
    }

    it("in the middle of a step: it ends the traffic change under way and exits 0; the other instance takes the rollout over at once and finishes it, each step applied once", async () => {
      const endpoint = "stop-mid-step";
      const [a] = running as [BotProcess, BotProcess];
      await anEndpoint(admin, a, endpoint);
      await a.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
      await cardShows(connector, endpoint, "to approve step 1 of 3");

      // Every ARM call takes a second: the step (a read of the endpoint, then the traffic change) takes several.
      await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 1000, count: 1000 });
      expect(answerText(await clickOnCard(a, connector, endpoint, "Approve step 1"))).toContain("approved step 1");
      const [holder, other] = await holding(endpoint, "shifting");
      await sleep(1500);

      const stopped = await terminate(holder);
      expect(stopped.exit).toEqual({ code: 0, signal: null });
      expect(stopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      const exitedAt = performance.now();
      await admin.clearFaults();
      await cardShows(connector, endpoint, "to approve step 2 of 3");
      expect(performance.now() - exitedAt).toBeLessThan(AT_ONCE_MS);
      // The stopped one did not record the step after its signal: the other did, having taken the rollout over.
      expect(await recordedBy(endpoint, "rollout.shift")).toEqual([other.workerOwner]);
      expect(holder.problems().filter((l) => l.includes('"level":"error"'))).toEqual([]);

      for (const step of [2, 3]) {
        expect(answerText(await clickOnCard(other, connector, endpoint, `Approve step ${step}`))).toContain(
          `approved step ${step}`,
        );
        await cardShows(connector, endpoint, step < 3 ? `to approve step ${step + 1} of 3` : "All traffic on green");
      }
      expect(answerText(await clickOnCard(other, connector, endpoint, "Retire blue"))).toContain("retiring blue");
      await cardShows(connector, endpoint, "Completed");
      await expectFinishedOnce(admin, connector, endpoint);
    });

    it("when the action outlasts the time to stop (a smoke test whose answers take 4.5 s): it abandons it without recording it, exits 0 within SHUTDOWN_TIMEOUT_MS, and the other instance runs it at once", async () => {
      // Two instances that may take 4 s to stop (the one left from the case before holds nothing: it stops at once).
      await Promise.all(running.map((b) => terminate(b)));
      running = await Promise.all([start("C", SHORT_SHUTDOWN_TIMEOUT_MS), start("D", SHORT_SHUTDOWN_TIMEOUT_MS)]);
      const endpoint = "stop-slow-smoke";
      const [first] = running as [BotProcess, BotProcess];
      await anEndpoint(admin, first, endpoint);
      // green answers after 4.5 s: longer than a stopping instance waits for it, shorter than the front door's 5 s.
      await admin.injectFault({ kind: "scoringDelay", endpoint, deployment: "green", delayMs: 4500 });
      await first.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
      const [holder, other] = await holding(endpoint, "smoke_testing");
      await sleep(500);

      const stopped = await terminate(holder);
      expect(stopped.exit).toEqual({ code: 0, signal: null });
      expect(stopped.ms).toBeLessThan(SHORT_SHUTDOWN_TIMEOUT_MS);
      expect((await leaseOf(endpoint))?.owner).not.toBe(holder.workerOwner);
      const exitedAt = performance.now();
      await admin.clearFaults();

      const shown = await cardShows(connector, endpoint, "to approve step 1 of 3");
      // Its own slow answer included (it took the rollout over while the fault was still there).
      expect(performance.now() - exitedAt).toBeLessThan(AT_ONCE_MS + 4500);
      expect(shown).toContain("1 of 1 samples passed on green");
      // The abandoned smoke test was not recorded (as failed, or at all): one, by the instance that took over.
      expect(await recordedBy(endpoint, "rollout.smoke_test")).toEqual([other.workerOwner]);
      expect(holder.output()).toContain("an Azure action outlasted the time to stop");
    });
  },
);
