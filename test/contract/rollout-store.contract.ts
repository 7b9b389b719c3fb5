// The RolloutStore port's contract, run against every implementation: PGlite and PostgreSQL. Each case gets a fresh,
// empty database of its own. Times are explicit Dates (`at(minute)`), never the clock, so nothing here is timed.
import { storesPerCase } from "./stores-per-case.js";
import { draft, said, sendAll as sendAllFrom } from "./outbox-messages.js";
import { asMarkdown } from "../support/card-markdown.js";
import { describe, expect, it } from "vitest";
import { aRollout as aRolloutOf } from "../support/a-rollout.js";
import type { MessageRef } from "../../src/ports/notifier.js";
import type { Effects } from "../../src/ports/changes.js";
import { isFinal, ROLLOUT_PHASES, type Rollout } from "../../src/ports/rollouts.js";
import type { Person } from "../../src/ports/people.js";
import type { AuditEntry } from "../../src/ports/store.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import type { StoreDatabase } from "./store.contract.js";

/** Why an implementation cannot honour a group of cases; those cases show as skipped with the reason. */
export interface RolloutStoreContractSkips {
  /** Several stores (bot instances) may have the database open at the same time. */
  sharedByInstances?: string;
}

type Instance = GreenLightStore;

const minuteMs = 60_000;
const leaseMs = minuteMs;

export function describeRolloutStoreContract(
  name: string,
  newDatabase: () => Promise<StoreDatabase>,
  skips: RolloutStoreContractSkips = {},
): void {
  describe(name, () => {
    let store: Instance;
    const { open } = storesPerCase(newDatabase, (opened) => (store = opened));

    /** The correlation ids of every audit row, oldest first. */
    async function auditTrail(): Promise<string[]> {
      return (await store.records.latestAudit({ limit: 1000 })).map((entry) => entry.correlationId).reverse();
    }

    const sendAll = (now: Date = at(100)) => sendAllFrom(store, now, leaseMs);

    describe("rollouts", () => {
      it("has no rollout that was never stored", async () => {
        expect(await store.rollouts.get("rollout-1")).toBeUndefined();
        expect(await store.rollouts.current("diabetes-prod")).toBeUndefined();
        expect(await store.rollouts.lastEnded("diabetes-prod")).toBeUndefined();
        expect(await store.rollouts.allCurrent()).toEqual([]);
        expect(await store.rollouts.getCard("rollout-1")).toBeUndefined();
      });

      it("returns a new rollout with every field it was given, dates as Dates, at version 1", async () => {
        const rollout = aFullRollout({ version: 7 });
        expect(await store.rollouts.create(rollout, noEffects)).toEqual({ created: true });

        const stored = await store.rollouts.get(rollout.id);
        expect(stored).toEqual({ ...rollout, version: 1 });
        expect(stored?.requestedAt).toBeInstanceOf(Date);
        expect(stored?.updatedAt).toBeInstanceOf(Date);
        expect(stored?.nextRunAt).toBeInstanceOf(Date);
        expect(stored?.expiresAt).toBeInstanceOf(Date);
        expect(stored?.smoke?.at).toBeInstanceOf(Date);
        expect(stored?.override?.at).toBeInstanceOf(Date);
        expect(stored?.approvals[0]?.at).toBeInstanceOf(Date);
        expect(stored?.timeline[0]?.at).toBeInstanceOf(Date);
      });

      it("leaves optional fields absent when they were not given", async () => {
        await store.rollouts.create(aRollout(), noEffects);
        const stored = await store.rollouts.get("rollout-1");
        expect(stored).toEqual(aRollout());
        for (const field of [
          "smoke",
          "override",
          "expiresAt",
          "nextRunAt",
          "ending",
          "requesterConversationId",
        ] as const) {
          expect(stored).not.toHaveProperty(field);
        }
        expect(stored?.requestedBy).not.toHaveProperty("aadObjectId");
        expect(stored?.channel).not.toHaveProperty("tenantId");
        expect(stored?.timeline[0]).not.toHaveProperty("by");
      });

      it("keeps a log tail exactly, NUL characters, newlines and non-ASCII included", async () => {
        const detail = 'Traceback:\n  File "score.py", line 3\x00\n\tValueError: café ☕ \\u0000 "quoted"';
        await store.rollouts.create(aRollout({ phase: "failed", ending: { reason: "provisioning failed", detail } }), {
          audit: [],
          outbox: [{ kind: "update_card", notice: { kind: "text", text: asMarkdown(detail) } }],
        });
        expect((await store.rollouts.get("rollout-1"))?.ending?.detail).toBe(detail);
        expect(await sendAll()).toEqual([{ kind: "update_card", notice: { kind: "text", text: asMarkdown(detail) } }]);
      });

      it("stores every field of an update, at the next version", async () => {
        await store.rollouts.create(aRollout(), noEffects);
        const next = aFullRollout({ id: "rollout-1", endpoint: "diabetes-prod", version: 1 });
        expect(await store.rollouts.update(next, 1, noEffects)).toBe(true);
        expect(await store.rollouts.get("rollout-1")).toEqual({ ...next, version: 2 });
      });

      it("drops the optional fields an update leaves out", async () => {
        await store.rollouts.create(aFullRollout({ id: "rollout-1" }), noEffects);
        const next = aRollout({ id: "rollout-1", endpoint: "diabetes-prod" });
        expect(await store.rollouts.update(next, 1, noEffects)).toBe(true);
        expect(await store.rollouts.get("rollout-1")).toEqual({ ...next, version: 2 });
      });
    });

    describe("one active rollout per endpoint", () => {
      it("refuses a second active rollout on the endpoint, whatever its case, names the active one and writes nothing", async () => {
        const first = aRollout({ id: "rollout-1", endpoint: "diabetes-prod" });
        expect(await store.rollouts.create(first, effects("first"))).toEqual({ created: true });

        const second = aRollout({
          id: "rollout-2",
          endpoint: "Diabetes-PROD",
          model: { name: "diabetes", version: "3" },
        });
        expect(await store.rollouts.create(second, effects("second"))).toEqual({
          created: false,
          current: first,
        });

        expect(await store.rollouts.get("rollout-2")).toBeUndefined();
        expect(await store.rollouts.current("DIABETES-prod")).toEqual(first);
        expect(await auditTrail()).toEqual(["first"]);
        expect(said(await sendAll())).toEqual(["first"]);
      });

      it("refuses the same rollout created twice (a redelivered deploy), returning the stored one", async () => {
        const rollout = aRollout();
        await store.rollouts.create(rollout, effects("first"));
        expect(await store.rollouts.create(rollout, effects("again"))).toEqual({
          created: false,
          current: rollout,
        });
        expect(await auditTrail()).toEqual(["first"]);
      });

      it("allows a new rollout once the active one ended", async () => {
        const first = aRollout({ id: "rollout-1" });
        await store.rollouts.create(first, noEffects);
        const ended = { ...first, phase: "completed" as const, updatedAt: at(30) };
        expect(await store.rollouts.update(ended, 1, noEffects)).toBe(true);

        const second = aRollout({ id: "rollout-2", endpoint: "DIABETES-PROD", requestedAt: at(40), updatedAt: at(40) });
        expect(await store.rollouts.create(second, noEffects)).toEqual({ created: true });
        expect(await store.rollouts.current("diabetes-prod")).toEqual(second);
        expect(await store.rollouts.lastEnded("diabetes-prod")).toEqual({ ...ended, version: 2 });
      });

      it("refuses a new rollout while the active one is paused or restoring its starting traffic", async () => {
        await store.rollouts.create(aRollout({ id: "rollout-1", phase: "restoring" }), noEffects);
        const result = await store.rollouts.create(aRollout({ id: "rollout-2" }), noEffects);
        expect(result).toMatchObject({ created: false, current: { id: "rollout-1" } });
      });

      it("counts a rollout as active in exactly the phases the port calls active", async () => {
        for (const phase of ROLLOUT_PHASES) {
          const rollout = aRollout({ id: `rollout-${phase}`, endpoint: `ep-${phase}`, phase });
          expect(await store.rollouts.create(rollout, noEffects)).toEqual({ created: true });
        }
        for (const phase of ROLLOUT_PHASES) {
          const active = await store.rollouts.current(`ep-${phase}`);
          const ended = await store.rollouts.lastEnded(`ep-${phase}`);
          expect({ phase, active: active?.id, ended: ended?.id }).toEqual(
            isFinal(phase)
              ? { phase, active: undefined, ended: `rollout-${phase}` }
              : { phase, active: `rollout-${phase}`, ended: undefined },
          );
        }
        const listed = (await store.rollouts.allCurrent()).map((rollout) => rollout.phase).sort();
        expect(listed).toEqual(ROLLOUT_PHASES.filter((phase) => !isFinal(phase)).sort());
      });

      it("lets different endpoints have a rollout each", async () => {
        await store.rollouts.create(aRollout({ id: "rollout-1", endpoint: "diabetes-prod" }), noEffects);
        const other = aRollout({ id: "rollout-2", endpoint: "churn-prod" });
        expect(await store.rollouts.create(other, noEffects)).toEqual({ created: true });
        expect(await store.rollouts.current("churn-prod")).toEqual(other);
      });

      it("lists every active rollout, the oldest request first", async () => {
        await store.rollouts.create(aRollout({ id: "b", endpoint: "e-b", requestedAt: at(2) }), noEffects);
        await store.rollouts.create(
          aRollout({ id: "ended", endpoint: "e-x", requestedAt: at(0), phase: "failed" }),
          noEffects,
        );
        await store.rollouts.create(aRollout({ id: "c", endpoint: "e-c", requestedAt: at(3) }), noEffects);
        await store.rollouts.create(aRollout({ id: "a", endpoint: "e-a", requestedAt: at(1) }), noEffects);
        expect((await store.rollouts.allCurrent()).map((rollout) => rollout.id)).toEqual(["a", "b", "c"]);
      });

      it("finds the endpoint's most recently ended rollout, whatever the case of its name", async () => {
        const ends = [
          { id: "ended-early", endpoint: "diabetes-prod", updatedAt: at(5) },
          { id: "ended-last", endpoint: "Diabetes-Prod", updatedAt: at(9) },
          { id: "ended-between", endpoint: "diabetes-prod", updatedAt: at(7) },
          { id: "other-endpoint", endpoint: "churn-prod", updatedAt: at(20) },
        ];
        for (const end of ends) {
          await store.rollouts.create(aRollout({ ...end, phase: "completed" }), noEffects);
        }
        await store.rollouts.create(aRollout({ id: "active", updatedAt: at(30) }), noEffects);
        expect((await store.rollouts.lastEnded("DIABETES-PROD"))?.id).toBe("ended-last");
      });
    });

    describe("compare-and-set", () => {
      it("moves the version on with each update and refuses one made from an older version", async () => {
        const rollout = aRollout();
        await store.rollouts.create(rollout, noEffects);
        expect(await store.rollouts.update({ ...rollout, phase: "smoke_testing" }, 1, noEffects)).toBe(true);
        expect(await store.rollouts.update({ ...rollout, phase: "failed" }, 1, noEffects)).toBe(false);
        expect(await store.rollouts.update({ ...rollout, phase: "awaiting_approval" }, 2, noEffects)).toBe(true);
        expect(await store.rollouts.get(rollout.id)).toMatchObject({ phase: "awaiting_approval", version: 3 });
      });

      it("writes nothing for a stale update: not the rollout, not its audit rows, not its messages", async () => {
        const rollout = aRollout();
        await store.rollouts.create(rollout, noEffects);
        const won = { ...rollout, phase: "smoke_testing" as const, updatedAt: at(10) };
        expect(await store.rollouts.update(won, 1, effects("won"))).toBe(true);
        const stale = { ...rollout, phase: "failed" as const, updatedAt: at(11) };
        expect(await store.rollouts.update(stale, 1, effects("stale"))).toBe(false);

        expect(await store.rollouts.get(rollout.id)).toEqual({ ...won, version: 2 });
        expect(await auditTrail()).toEqual(["won"]);
        expect(said(await sendAll())).toEqual(["won"]);
      });

      it("refuses to update a rollout that was never stored, writing nothing", async () => {
        const rollout = aRollout();
        expect(await store.rollouts.update(rollout, 1, { audit: [anAuditEntry("ghost")], outbox: [] })).toBe(false);
        expect(await store.rollouts.get(rollout.id)).toBeUndefined();
        expect(await auditTrail()).toEqual([]);
      });

      it("lets exactly one of 50 simultaneous updates from one version through, with only its effects", async () => {
        const rollout = aRollout();
        await store.rollouts.create(rollout, noEffects);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.rollouts.update({ ...rollout, step: i, updatedAt: at(10) }, 1, effects(`click-${i}`)),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await store.rollouts.get(rollout.id)).toMatchObject({ step: winner, version: 2 });
        expect(await auditTrail()).toEqual([`click-${winner}`]);
        expect(said(await sendAll())).toEqual([`click-${winner}`]);
      });

      it.skipIf(skips.sharedByInstances !== undefined)(
        `lets exactly one of two bot instances apply a step${skipped(skips.sharedByInstances)}`,
        async () => {
          const other = await open();
          const rollout = aRollout();
          await store.rollouts.create(rollout, noEffects);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              (i % 2 === 0 ? store : other).rollouts.update({ ...rollout, step: i }, 1, effects(`click-${i}`)),
            ),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
          const winner = results.indexOf(true);
          expect(await other.rollouts.get(rollout.id)).toMatchObject({ step: winner, version: 2 });
          expect(await auditTrail()).toEqual([`click-${winner}`]);
        },
      );
    });

    describe("effects", () => {
      it("writes a transition's audit rows in order, cut short like any audit entry", async () => {
        const huge = "x".repeat(25_000);
        const rollout = aRollout();
        await store.rollouts.create(rollout, {
          audit: [anAuditEntry("deploy"), { ...anAuditEntry("huge"), detail: huge, target: huge }],
          outbox: [],
        });
        expect(await auditTrail()).toEqual(["deploy", "huge"]);
        const [newest] = await store.records.latestAudit({ limit: 1 });
        expect(newest?.detail).toMatch(/^x+…$/);
        expect(JSON.stringify(newest).length).toBeLessThan(2500);
      });
    });

    describe("leases", () => {
      it("claims due active rollouts only, the soonest due first, at most `limit`", async () => {
        const due = [
          aRollout({ id: "due-3", endpoint: "e3", nextRunAt: at(3) }),
          aRollout({ id: "due-1", endpoint: "e1", nextRunAt: at(1) }),
          aRollout({ id: "due-2", endpoint: "e2", nextRunAt: at(2) }),
          aRollout({ id: "due-now", endpoint: "e4", nextRunAt: at(10) }),
        ];
        for (const rollout of due) await store.rollouts.create(rollout, noEffects);
        await store.rollouts.create(aRollout({ id: "later", endpoint: "e5", nextRunAt: at(11) }), noEffects);
        await store.rollouts.create(aRollout({ id: "waits-for-a-person", endpoint: "e6" }), noEffects);
        await store.rollouts.create(
          aRollout({ id: "ended", endpoint: "e7", nextRunAt: at(0), phase: "failed" }),
          noEffects,
        );

        const firstTwo = await store.rollouts.claimDue("worker-1", at(10), leaseMs, 2);
        expect(firstTwo).toEqual([due[1], due[2]]);
        const rest = await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        expect(rest.map((rollout) => rollout.id)).toEqual(["due-3", "due-now"]);
        expect(await store.rollouts.claimDue("worker-2", at(10), leaseMs, 10)).toEqual([]);
      });

      it("keeps a live lease from every other claim, its owner's too, and lets anyone claim once it ended", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        expect(ids(await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10))).toEqual(["rollout-1"]);
        expect(await store.rollouts.claimDue("worker-2", at(10.5), leaseMs, 10)).toEqual([]);
        expect(await store.rollouts.claimDue("worker-1", at(10.5), leaseMs, 10)).toEqual([]);
        expect(ids(await store.rollouts.claimDue("worker-2", at(11.5), leaseMs, 10))).toEqual(["rollout-1"]);
        expect(await store.rollouts.claimDue("worker-1", at(12), leaseMs, 10)).toEqual([]);
      });

      it("gives a released rollout to the next claim at once", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        await store.rollouts.releaseLease("rollout-1", "worker-1");
        expect(ids(await store.rollouts.claimDue("worker-2", at(10), leaseMs, 10))).toEqual(["rollout-1"]);
      });

      it("makes a rollout due again when its releaser says, leaving the version alone", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        await store.rollouts.releaseLease("rollout-1", "worker-1", { nextRunAt: at(30), version: 1 });
        expect(await store.rollouts.get("rollout-1")).toMatchObject({ nextRunAt: at(30), version: 1 });
        expect(await store.rollouts.claimDue("worker-2", at(29), leaseMs, 10)).toEqual([]);
        expect(ids(await store.rollouts.claimDue("worker-2", at(30), leaseMs, 10))).toEqual(["rollout-1"]);
        expect(await store.rollouts.update(aRollout({ phase: "smoke_testing" }), 1, noEffects)).toBe(true);
      });

      it("keeps the schedule a click stored while the worker held the lease", async () => {
        const rollout = aRollout({ nextRunAt: at(0) });
        await store.rollouts.create(rollout, noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        // An approval, stored meanwhile: due now.
        expect(
          await store.rollouts.update({ ...rollout, phase: "shifting", version: 2, nextRunAt: at(11) }, 1, noEffects),
        ).toBe(true);
        // The worker, which last saw version 1, would wait a day.
        await store.rollouts.releaseLease("rollout-1", "worker-1", { nextRunAt: at(86_400), version: 1 });
        expect(await store.rollouts.get("rollout-1")).toMatchObject({ nextRunAt: at(11), version: 2 });
        expect(ids(await store.rollouts.claimDue("worker-2", at(11), leaseMs, 10))).toEqual(["rollout-1"]);
      });

      it("ignores the schedule in a release by a process that does not hold the lease", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        await store.rollouts.releaseLease("rollout-1", "worker-2", { nextRunAt: at(30), version: 1 });
        expect((await store.rollouts.get("rollout-1"))?.nextRunAt).toEqual(at(0));
      });

      it("ignores a release by a process that does not hold the lease", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        await store.rollouts.releaseLease("rollout-1", "worker-2");
        expect(await store.rollouts.claimDue("worker-3", at(10), leaseMs, 10)).toEqual([]);
      });

      it("ignores a late release by a process whose lease ended and passed to another", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        expect(ids(await store.rollouts.claimDue("worker-2", at(12), leaseMs, 10))).toEqual(["rollout-1"]);
        await store.rollouts.releaseLease("rollout-1", "worker-1");
        expect(await store.rollouts.claimDue("worker-3", at(12), leaseMs, 10)).toEqual([]);
      });

      it("keeps the lease through an update of the rollout", async () => {
        const rollout = aRollout({ nextRunAt: at(0) });
        await store.rollouts.create(rollout, noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        expect(
          await store.rollouts.update({ ...rollout, phase: "smoke_testing", nextRunAt: at(10) }, 1, noEffects),
        ).toBe(true);
        expect(await store.rollouts.claimDue("worker-2", at(10.5), leaseMs, 10)).toEqual([]);
      });

      it("renews its owner's lease, keeping the rollout from other claims, and tells the version stored", async () => {
        const rollout = aRollout({ nextRunAt: at(0) });
        await store.rollouts.create(rollout, noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        expect(await store.rollouts.renewLease("rollout-1", "worker-1", at(10.8), leaseMs)).toEqual({ version: 1 });
        // The lease as claimed would have ended at 11.
        expect(await store.rollouts.claimDue("worker-2", at(11.5), leaseMs, 10)).toEqual([]);
        // A click stored meanwhile: the worker learns its copy is out of date.
        expect(await store.rollouts.update({ ...rollout, phase: "shifting" }, 1, noEffects)).toBe(true);
        expect(await store.rollouts.renewLease("rollout-1", "worker-1", at(11.5), leaseMs)).toEqual({ version: 2 });
        expect(ids(await store.rollouts.claimDue("worker-2", at(12.5), leaseMs, 10))).toEqual(["rollout-1"]);
      });

      it("renews no lease its owner gave back, or lost to another process once it ended", async () => {
        await store.rollouts.create(aRollout({ nextRunAt: at(0) }), noEffects);
        await store.rollouts.claimDue("worker-1", at(10), leaseMs, 10);
        expect(await store.rollouts.renewLease("rollout-1", "worker-2", at(10.5), leaseMs)).toBeUndefined();
        expect(ids(await store.rollouts.claimDue("worker-2", at(12), leaseMs, 10))).toEqual(["rollout-1"]);
        expect(await store.rollouts.renewLease("rollout-1", "worker-1", at(12), leaseMs)).toBeUndefined();
        await store.rollouts.releaseLease("rollout-1", "worker-2");
        expect(await store.rollouts.renewLease("rollout-1", "worker-2", at(12), leaseMs)).toBeUndefined();
        expect(await store.rollouts.renewLease("never-stored", "worker-2", at(12), leaseMs)).toBeUndefined();
      });

      it("never gives one rollout to two workers claiming at once", async () => {
        for (let i = 0; i < 12; i++) {
          await store.rollouts.create(
            aRollout({ id: `rollout-${i}`, endpoint: `e${i}`, nextRunAt: at(i % 3) }),
            noEffects,
          );
        }
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.rollouts.claimDue(`worker-${i}`, at(10), leaseMs, 3)),
        );
        const claimed = claims.flatMap(ids);
        expect(new Set(claimed).size).toBe(claimed.length);
        expect(claimed).toHaveLength(12);
      });

      it.skipIf(skips.sharedByInstances !== undefined)(
        `never gives one rollout to two bot instances claiming at once${skipped(skips.sharedByInstances)}`,
        async () => {
          const other = await open();
          for (let i = 0; i < 30; i++) {
            await store.rollouts.create(
              aRollout({ id: `rollout-${i}`, endpoint: `e${i}`, nextRunAt: at(0) }),
              noEffects,
            );
          }
          const claimed: string[] = [];
          for (let round = 0; claimed.length < 30 && round < 30; round++) {
            const claims = await Promise.all(
              Array.from({ length: 6 }, (_, i) =>
                (i % 2 === 0 ? store : other).rollouts.claimDue(`worker-${round}-${i}`, at(10), leaseMs, 2),
              ),
            );
            claimed.push(...claims.flatMap(ids));
          }
          expect(new Set(claimed).size).toBe(claimed.length);
          expect(claimed).toHaveLength(30);
        },
      );
    });

    describe("card", () => {
      it("keeps the card's reference apart from the version, through later updates", async () => {
        const rollout = aRollout();
        await store.rollouts.create(rollout, noEffects);
        await store.rollouts.setCard(rollout.id, aCard);
        expect(await store.rollouts.get(rollout.id)).toEqual(rollout);
        expect(await store.rollouts.update({ ...rollout, phase: "smoke_testing" }, 1, noEffects)).toBe(true);
        expect(await store.rollouts.getCard(rollout.id)).toEqual(aCard);
      });

      it("replaces the card's reference when it is set again", async () => {
        await store.rollouts.create(aRollout(), noEffects);
        await store.rollouts.setCard("rollout-1", aCard);
        const reposted = { ...aCard, activityId: "1700000000999" };
        await store.rollouts.setCard("rollout-1", reposted);
        expect(await store.rollouts.getCard("rollout-1")).toEqual(reposted);
      });
    });
  });
}

function skipped(reason: string | undefined): string {
  return reason === undefined ? "" : ` (skipped: ${reason})`;
}

/** Minutes after 10:00 on 15 January 2026 (fractions allowed). */
function at(minute: number): Date {
  return new Date(Date.UTC(2026, 0, 15, 10, 0) + minute * minuteMs);
}

const ids = (rollouts: Rollout[]): string[] => rollouts.map((rollout) => rollout.id);

const noEffects: Effects = { audit: [], outbox: [] };

const megan: Person = { id: "29:1megan", name: "Megan Bowen", aadObjectId: "7a1b2c3d-0000-4000-8000-000000000001" };
const adele: Person = { id: "29:1adele", name: "Adele Vance" };

const aCard: MessageRef = {
  conversation: {
    activityId: "1700000000000",
    bot: { id: "28:greenlight", name: "GreenLight" },
    channelId: "msteams",
    conversation: { id: "19:release@thread.tacv2;messageid=1700000000000", isGroup: true },
    serviceUrl: "https://smba.trafficmanager.net/amer/",
  },
  activityId: "1700000000000",
};

/** A rollout with only the fields every rollout has. */
function aRollout(overrides: Partial<Rollout> = {}): Rollout {
  return aRolloutOf({
    id: "rollout-1",
    phase: "deploying",
    requestedBy: { id: "29:1megan", name: "Megan Bowen" },
    requestedAt: at(0),
    timeline: [{ at: at(0), what: "requested diabetes:2" }],
    updatedAt: at(0),
    ...overrides,
  });
}

/** A rollout with every optional field set, and values that are easy to lose (fractions, zero, nesting). */
function aFullRollout(overrides: Partial<Rollout> = {}): Rollout {
  return aRollout({
    id: "rollout-full",
    endpoint: "Diabetes-Prod",
    model: { name: "diabetes", version: "12" },
    live: "green",
    candidate: "blue",
    startTraffic: { green: 100, blue: 0 },
    plan: [10, 50, 90, 100],
    step: 2,
    phase: "restoring",
    requestedBy: megan,
    requestedAt: new Date("2026-01-15T09:58:07.123Z"),
    approvals: [
      { step: 0, by: adele, at: new Date("2026-01-15T10:05:00.001Z") },
      { step: 1, by: { ...adele, aadObjectId: "7a1b2c3d-0000-4000-8000-000000000002" }, at: at(20) },
    ],
    smoke: {
      at: new Date("2026-01-15T10:02:30.500Z"),
      passed: false,
      samples: [
        {
          sample: "typical",
          candidate: { status: 200, latencyMs: 12.5 },
          live: { status: 200, latencyMs: 9 },
          passed: true,
          differs: true,
        },
        { sample: "empty", candidate: { status: 424, latencyMs: 31 }, passed: false, differs: false },
      ],
      note: "one sample failed",
    },
    override: { by: megan, reason: "424 is the known empty-input answer", at: at(4) },
    expiresAt: new Date("2026-01-16T10:05:00.000Z"),
    nextRunAt: new Date("2026-01-15T10:30:00.999Z"),
    ending: {
      reason: "Megan rejected step 2: latency",
      detail: "found blue 50 / green 50",
      then: "rejected",
      by: megan,
    },
    liveModel: "diabetes:11",
    trafficSeen: { traffic: { blue: 50, green: 50 }, at: at(21) },
    baseline: { step: 1, traffic: { blue: 70, green: 30 } },
    restore: { from: [{ blue: 50, green: 50 }, { green: 100 }], failures: 2, lastError: "Azure ML refused (HTTP 409)" },
    oldDeployment: "kept",
    channel: {
      serviceUrl: "https://smba.trafficmanager.net/emea/",
      channelId: "19:release@thread.tacv2",
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    },
    requesterConversationId: "a:1megan-personal",
    timeline: [
      { at: new Date("2026-01-15T09:58:07.123Z"), what: "requested diabetes:12", by: megan },
      { at: at(3), what: "smoke test failed (1 of 2)" },
      { at: at(20), what: "approved step 2 (green 50 / blue 50)", by: adele },
    ],
    updatedAt: at(25),
    ...overrides,
  });
}

function anAuditEntry(correlationId: string): AuditEntry {
  return {
    at: at(0),
    actor: { id: megan.id, name: megan.name },
    action: "rollout.deploy",
    target: "diabetes-prod",
    outcome: "ok",
    correlationId,
  };
}

/** One audit row and one message, both tagged with `tag`. */
function effects(tag: string): Effects {
  return { audit: [anAuditEntry(tag)], outbox: [draft(tag)] };
}
