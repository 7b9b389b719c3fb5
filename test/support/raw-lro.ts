import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { createHttpPoller } from "@azure/core-lro";
import type { LroResponse, OperationState } from "@azure/core-lro";
import { RestError } from "@azure/core-rest-pipeline";
import { sendRaw } from "../../src/workspace/arm-client.js";
import type { RawRequest, RawResponse } from "../../src/workspace/arm-client.js";
import { armError } from "./rest-error.js";

/**
 * Sends a raw mutating request and follows its long-running operation with core-lro's HTTP poller (the SDK's own
 * protocol: Azure-AsyncOperation, Location, or the resource's provisioningState). Resolves to the final resource
 * body; a refused request throws a RestError with the server's status, code and message, like an SDK call.
 */
export async function sendRawAndWait(
  client: AzureMachineLearningWorkspaces,
  request: RawRequest & { pollIntervalMs?: number },
): Promise<unknown> {
  const initial = await sendRaw(client, request);
  throwUnlessOk(initial);
  const poller = await createHttpPoller<unknown, OperationState<unknown>>(
    {
      requestPath: request.url,
      requestMethod: request.method,
      sendInitialRequest: () => Promise.resolve(toLroResponse(initial)),
      sendPollRequest: async (path) => {
        const response = await sendRaw(client, { method: "GET", url: path, apiVersion: request.apiVersion });
        throwUnlessOk(response);
        return toLroResponse(response);
      },
    },
    request.pollIntervalMs === undefined ? {} : { intervalInMs: request.pollIntervalMs },
  );
  return poller.pollUntilDone();
}

function throwUnlessOk(response: RawResponse): void {
  if (response.status < 400) return;
  const { code, message } = armError(response.body);
  throw new RestError(message || `HTTP ${response.status}`, { statusCode: response.status, code });
}

function toLroResponse(response: RawResponse): LroResponse {
  return {
    flatResponse: response.body,
    rawResponse: { statusCode: response.status, headers: response.headers, body: response.body },
  };
}
