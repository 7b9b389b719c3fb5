/**
 * The model runtime of one emulated deployment: what runs inside an Azure ML inference container.
 * The data plane owns routing, auth, timeouts (408) and concurrency (429); a runtime only scores.
 */
export interface DeploymentRuntime {
  /** Scores one request body exactly as the container would receive it. Never throws for bad input or a failing
   * model: the container's answer (400 / 500 with `{message}`) is returned as the outcome. */
  score(rawBody: string): Promise<ScoringOutcome>;
  /** Releases the model (ONNX session, worker thread). */
  close(): Promise<void>;
}

/** What the inference server inside the container answered. */
export interface ScoringOutcome {
  status: number;
  /** JSON text. */
  body: string;
  /** True when the user's scoring code (or the model) failed, as azmlinfsrv's `x-ms-run-function-failed`. */
  runFunctionFailed: boolean;
  /** Time spent in the scoring function, ms (azmlinfsrv's `x-ms-run-fn-exec-ms`). */
  execMs: number;
}

export interface RuntimeSpec {
  /** Folder holding the registered model version's files (AZUREML_MODEL_DIR). */
  modelDir: string;
  /** Present for custom deployments: the code asset's folder and the scoring script inside it. */
  code?: { dir: string; scoringScript: string };
  /** The deployment's `environmentVariables`. */
  environmentVariables: Record<string, string>;
  /** Receives the container's log lines (start, load, requests, errors, the script's console output). */
  log(line: LogLine): void;
}

/**
 * A log line, or one to be formatted when it is written (in order, with the time it was logged): the line a runtime
 * logs for every request costs less to format in a batch than on the scoring path.
 */
export type LogLine = string | (() => string);
