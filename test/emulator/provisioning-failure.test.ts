// A deployment whose container never becomes ready (the provisioningFailure fault): the SDK's long-running
// create fails with the operation's error, the deployment stays Failed, and its logs say why (reference §4).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectRestError } from "../support/rest-error.js";
import { uniqueName } from "../support/unique-name.js";
import { sample, startScoringWorkspace } from "./scoring-fixture.js";
import type { ScoringWorkspace } from "./scoring-fixture.js";

describe("emulator: a deployment that fails to provision", () => {
  let w: ScoringWorkspace;

  beforeAll(async () => {
    w = await startScoringWorkspace();
  });
  afterAll(async () => {
    await w.close();
  });

  it("fails the SDK's create with the operation's error, stays Failed, and says why in its logs", async () => {
    const endpoint = uniqueName("provfail");
    const reason = "Readiness probe failed: model server did not answer on /health (injected by test).";
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
    await w.injectFault({ kind: "provisioningFailure", endpoint, deployment: "green", message: reason });

    let failure: unknown;
    try {
      await w.createDeployment(endpoint, "green", { modelVersion: 2 });
    } catch (error) {
      failure = error;
    }
    const rg = w.emulator.resourceGroup;
    const ws = w.emulator.workspaceName;
    const green = await w.client.onlineDeployments.get(rg, ws, endpoint, "green");
    const logs = await w.client.onlineDeployments.getLogs(rg, ws, endpoint, "green", {
      containerType: "InferenceServer",
    });

    expect(failure, "beginCreateOrUpdateAndWait should have rejected").toBeInstanceOf(Error);
    // core-lro's plain Error: "The long-running operation has failed. <code>. <message>" (reference §1).
    expect((failure as Error).message).toMatch(/^The long-running operation has failed\. ResourceNotReady\./);
    expect((failure as Error).message).toContain(reason);
    expect(green.properties.provisioningState).toBe("Failed");
    expect(logs.content).toContain(reason);
  });

  it("refuses live traffic to the failed deployment and keeps serving from the healthy one", async () => {
    const endpoint = uniqueName("provfail2");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
    await w.injectFault({ kind: "provisioningFailure", endpoint, deployment: "green" });
    await w.createDeployment(endpoint, "green", { modelVersion: 2 }).catch(() => undefined);

    await expectRestError(w.setTraffic(endpoint, { blue: 50, green: 50 }), 400);
    const answer = await w.score(endpoint, sample("typical-patient"));
    const endpointNow = await w.client.onlineEndpoints.get(
      w.emulator.resourceGroup,
      w.emulator.workspaceName,
      endpoint,
    );

    expect(endpointNow.properties.traffic).toEqual({ blue: 100 });
    expect(answer.status).toBe(200);
    expect(answer.headers["azureml-model-deployment"]).toBe("blue");
  });

  it("keeps answering from the previous model when an update of a live deployment fails", async () => {
    const endpoint = uniqueName("provfail3");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
    const beforeUpdate = await w.score(endpoint, sample("borderline"));
    await w.injectFault({ kind: "provisioningFailure", endpoint, deployment: "blue" });

    // Version 2 would answer 1 for the borderline patient; the update to it never becomes ready.
    const update = await w.createDeployment(endpoint, "blue", { modelVersion: 2 }).then(
      () => "succeeded",
      () => "failed",
    );
    const afterUpdate = await w.score(endpoint, sample("borderline"));

    expect(update).toBe("failed");
    expect(beforeUpdate.status).toBe(200);
    expect(beforeUpdate.json).toEqual([expect.objectContaining({ label: 0 })]);
    // The old instances keep serving: LocalWorkspace.startRuntime only swaps a runtime in once it loaded.
    expect(afterUpdate.status, afterUpdate.text).toBe(200);
    expect(afterUpdate.json).toEqual(beforeUpdate.json);
  });
});
