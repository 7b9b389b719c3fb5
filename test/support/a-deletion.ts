// The fixture builder of a stored request to delete an endpoint.
import type { Deletion } from "../../src/ports/deletions.js";

export const DELETION_T0 = new Date("2026-11-29T10:00:00Z");

/** A request by Adele to delete fraud-scoring (blue at 100 %), waiting for confirmation; override any field. */
export function aDeletion(overrides: Partial<Deletion> = {}): Deletion {
  return {
    id: "0f0e0d0c-0000-4000-8000-0000000000d1",
    endpoint: "fraud-scoring",
    phase: "awaiting_approval",
    version: 1,
    requestedBy: { id: "user-adelev", name: "Adele Vance" },
    requestedAt: DELETION_T0,
    preview: {
      scoringUri: "https://fraud-scoring.eastus.inference.ml.azure.com/score",
      traffic: { blue: 100 },
      deployments: [{ name: "blue", model: "fraud:4", state: "Succeeded", instances: "2 × Standard_DS3_v2" }],
      recentRequests: { blue: 1234 },
    },
    expiresAt: new Date(DELETION_T0.getTime() + 24 * 3600_000),
    nextRunAt: new Date(DELETION_T0.getTime() + 24 * 3600_000),
    channel: { serviceUrl: "https://smba.trafficmanager.net/amer/", channelId: "19:release@thread.tacv2" },
    timeline: [
      { at: DELETION_T0, what: "asked to delete fraud-scoring", by: { id: "user-adelev", name: "Adele Vance" } },
    ],
    updatedAt: DELETION_T0,
    ...overrides,
  };
}
