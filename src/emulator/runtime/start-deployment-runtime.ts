import type { DeploymentRuntime, RuntimeSpec } from "./deployment-runtime.js";
import { startCustomScriptRuntime } from "./custom-script-runtime.js";
import { startMlflowRuntime } from "./mlflow-runtime.js";

/**
 * Starts a deployment's inference server: the custom scoring script when the deployment has code, otherwise the
 * MLflow no-code server for the model folder. Rejects with an Error that says why the model or script cannot load.
 */
export async function startDeploymentRuntime(spec: RuntimeSpec): Promise<DeploymentRuntime> {
  spec.log(spec.code ? `Starting inference server for ${spec.code.scoringScript}` : "Starting MLflow inference server");
  const runtime = spec.code ? await startCustomScriptRuntime(spec, spec.code) : await startMlflowRuntime(spec);
  spec.log("Inference server is ready");
  return runtime;
}
