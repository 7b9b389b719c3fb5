// A deletion request an instance lost to another one (its lease ran out while it was busy) is not deleted by it: right
// before Azure's delete the worker renews its lease, finds the request held by another instance, and leaves it.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DeletionStore } from "../../src/ports/deletions.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, cardText } from "../support/bot-fixtures.js";
import { anEndpoint, answerText, card, clickWith, startRolloutHarness } from "../support/rollout-fixtures.js";

let h: BotHarness;
let admin: WorkspaceAdmin;

/** Deletion requests another instance takes over the moment this one renews its lease (as if it had run out). */
function takenOverOnRenewal(store: GreenLightStore): GreenLightStore {
  const deletions = store.deletions;
  const takenOver = Object.create(deletions) as DeletionStore;
  takenOver.renewLease = async (id, owner, now, leaseMs) => {
    await deletions.claimDue("another-instance", new Date(now.getTime() + 2 * leaseMs), 10 * leaseMs, 10);
    return deletions.renewLease(id, owner, now, leaseMs);
  };
  return { ...store, deletions: takenOver };
}

beforeAll(async () => {
  h = await startRolloutHarness({ wrapStore: takenOverOnRenewal });
  admin = new WorkspaceAdmin(h);
});
afterAll(async () => {
  admin?.close();
  await h?.close();
});

it("deletes nothing once another instance took the confirmed request over", async () => {
  const endpoint = "del-taken-over";
  await anEndpoint(h, admin, endpoint);
  await h.say(USERS.admin, `delete ${endpoint}`);
  const asked = await h.store.deletions.current(endpoint);
  await h.app.outbox.drain();
  const post = h.connector.sent.find(
    (s) => s.kind === "create" && Array.isArray(s.activity.attachments) && cardText(card(s)).includes(endpoint),
  );
  if (!asked || !post) throw new Error("no deletion request or card");

  const confirmed = await clickWith(h, post, USERS.approver, "deletion.approve", {
    deletion: asked.id,
    version: asked.version,
    confirm: endpoint,
  });
  expect(answerText(confirmed)).toContain(`confirmed the deletion of ${endpoint}`);
  await h.app.deletions.drain();

  await expect(
    admin.client.onlineEndpoints.get(h.emulator.resourceGroup, h.emulator.workspaceName, endpoint),
  ).resolves.toMatchObject({ name: endpoint });
  expect((await h.store.deletions.get(asked.id))?.phase).toBe("deleting");
  expect(h.logLines.some((line) => line.includes("another instance took over a deletion"))).toBe(true);
});
