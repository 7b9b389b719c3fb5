// How Azure's answers become views when Azure says something GreenLight did not expect: a newer auth mode, a
// deployment that autoscales instead of having a fixed instance count.
import type { OnlineDeployment, OnlineEndpoint } from "@azure/arm-machinelearning";
import { describe, expect, it } from "vitest";
import { toDeploymentView, toEndpointView } from "../../../src/workspace/arm-views.js";

const WS = { subscriptionId: "sub", resourceGroup: "rg", workspaceName: "ws" };

const anEndpoint = (authMode: string): OnlineEndpoint => ({
  location: "eastus",
  name: "future-endpoint",
  properties: { authMode, traffic: { blue: 100 }, provisioningState: "Succeeded" },
});

const aDeployment = (overrides: Partial<OnlineDeployment> = {}): OnlineDeployment => ({
  location: "eastus",
  name: "blue",
  properties: { endpointComputeType: "Managed", instanceType: "Standard_DS3_v2", provisioningState: "Succeeded" },
  ...overrides,
});

describe("views of Azure's answers", () => {
  it("shows an auth mode newer than GreenLight as Azure names it, instead of failing", () => {
    expect(toEndpointView(anEndpoint("ManagedIdentityToken"), [], WS).authMode).toEqual({
      other: "ManagedIdentityToken",
    });
    expect(toEndpointView(anEndpoint("key"), [], WS).authMode).toBe("Key");
  });

  it("shows an autoscaled deployment's range, and never invents an instance count", () => {
    const autoscaled = aDeployment({
      properties: {
        endpointComputeType: "Kubernetes",
        scaleSettings: { scaleType: "TargetUtilization", minInstances: 1, maxInstances: 5 },
      } as OnlineDeployment["properties"],
    });
    expect(toDeploymentView(autoscaled, WS).scale).toEqual({ kind: "autoscale", min: 1, max: 5 });
    expect(toDeploymentView(aDeployment(), WS).scale).toEqual({ kind: "unknown" });
    expect(toDeploymentView(aDeployment({ sku: { name: "Default", capacity: 3 } }), WS).scale).toEqual({
      kind: "fixed",
      count: 3,
    });
  });
});
