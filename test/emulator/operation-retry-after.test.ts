import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRaw } from "../../src/workspace/arm-client.js";
import { startLocalWorkspace, type LocalWorkspace } from "../support/local-workspace.js";

describe("the local workspace's Retry-After on a running operation", () => {
  let lw: LocalWorkspace;

  beforeAll(async () => {
    lw = await startLocalWorkspace({ provisioningDelayMs: 1_500, retryAfterSeconds: 1 });
  });
  afterAll(async () => lw.close());

  const patchTags = () =>
    sendRaw(lw.client, {
      method: "PATCH",
      url:
        `/subscriptions/${lw.emulator.subscriptionId}/resourceGroups/${lw.emulator.resourceGroup}` +
        `/providers/Microsoft.MachineLearningServices/workspaces/${lw.emulator.workspaceName}/onlineEndpoints/diabetes-prod`,
      apiVersion: "2025-12-01",
      body: { tags: { team: "ml" } },
    });

  it("asks for the time the operation still needs when that is longer than the configured seconds", async () => {
    const accepted = await patchTags();
    const poll = await sendRaw(lw.client, {
      method: "GET",
      url: accepted.headers["location"] ?? "",
      apiVersion: "2025-12-01",
    });

    expect(accepted.status).toBe(202);
    expect(accepted.headers["retry-after"]).toBe("2");
    expect(poll.status).toBe(202);
    expect(poll.headers["retry-after"]).toBe("2");
  });

  it("asks for the configured seconds when the operation needs less", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    lw.emulator.workspace.timing.retryAfterSeconds = 5;

    const accepted = await patchTags();

    expect(accepted.status).toBe(202);
    expect(accepted.headers["retry-after"]).toBe("5");
  });
});
