import { ArmError } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { endpointId } from "./wire.js";

/** Requests each of an endpoint's deployments has scored, by the data plane's counters. */
export type RequestCounts = (endpoint: string) => Record<string, number>;

/**
 * Azure Monitor's `RequestsPerMinute` of an online endpoint, split by the `deployment` dimension, as one total per
 * deployment over the asked timespan (the metrics API's Total aggregation). The local workspace counts since it
 * started, whatever the timespan: enough to tell an endpoint in use from an idle one.
 */
export function endpointMetrics(ws: LocalWorkspace, req: ArmRequest, counts: RequestCounts): ArmResponse {
  const name = req.params.endpoint ?? "";
  const endpoint = ws.endpoint(name);
  const wanted = (req.url.searchParams.get("metricnames") ?? "").split(",").map((m) => m.trim().toLowerCase());
  if (!wanted.includes("requestsperminute")) {
    throw new ArmError(400, "BadRequest", "The local workspace serves only the RequestsPerMinute metric.");
  }
  const timespan = req.url.searchParams.get("timespan") ?? "";
  const perDeployment = counts(endpoint.name);
  const deployments = ws.deploymentsOf(endpoint.name).map((d) => d.name);
  return {
    status: 200,
    body: {
      cost: 0,
      timespan,
      interval: req.url.searchParams.get("interval") ?? "PT1H",
      namespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      resourceregion: endpoint.location,
      value: [
        {
          id: `${endpointId(ws, endpoint.name)}/providers/Microsoft.Insights/metrics/RequestsPerMinute`,
          type: "Microsoft.Insights/metrics",
          name: { value: "RequestsPerMinute", localizedValue: "Requests Per Minute" },
          unit: "Count",
          timeseries: deployments.map((deployment) => ({
            metadatavalues: [{ name: { value: "deployment", localizedValue: "deployment" }, value: deployment }],
            data: [{ timeStamp: ws.now().toISOString(), total: perDeployment[deployment] ?? 0 }],
          })),
          errorCode: "Success",
        },
      ],
    },
  };
}
