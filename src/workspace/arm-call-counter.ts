import { AsyncLocalStorage } from "node:async_hooks";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { ensurePolicy } from "./arm-client.js";

const current = new AsyncLocalStorage<ArmCallCounter>();

// One policy per client, after the retry policy so every attempt on the wire counts (pages and retries too). It
// credits the counter whose `run` the request started in, so several adapters can share one client.
const countingPolicy: PipelinePolicy = {
  name: "greenlightArmCallCounter",
  sendRequest(request, next) {
    const counter = current.getStore();
    if (counter) counter.count += 1;
    return next(request);
  },
};

/** Counts the ARM requests made inside {@link ArmCallCounter.run} through one client. */
export class ArmCallCounter {
  count = 0;

  constructor(client: AzureMachineLearningWorkspaces) {
    ensurePolicy(client, countingPolicy, { afterPhase: "Retry" });
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return current.run(this, work);
  }
}
