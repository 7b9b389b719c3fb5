import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { BOOTSTRAP_SOURCE } from "./custom-script-bootstrap.js";
import type { DeploymentRuntime, RuntimeSpec, ScoringOutcome } from "./deployment-runtime.js";
import { DeploymentLoadError, scored, scoringFailed } from "./scoring-outcome.js";

type WorkerMessage =
  | { type: "ready" }
  | { type: "init-failed"; error: string }
  | { type: "result"; id: number; ok: true; body: string; execMs: number }
  | { type: "result"; id: number; ok: false; error: string; execMs: number };

/**
 * Runs a custom deployment's JavaScript scoring script (Azure's init() / run(raw_data) contract) in its own worker
 * thread with its own environment: AZUREML_MODEL_DIR plus the deployment's environmentVariables. Nothing of the host's
 * process.env is passed, as in a real container (and so the host's secrets stay out of user code).
 */
export async function startCustomScriptRuntime(
  spec: RuntimeSpec,
  code: { dir: string; scoringScript: string },
): Promise<DeploymentRuntime> {
  const log = (line: string): void => spec.log(line);
  const scriptPath = resolve(code.dir, code.scoringScript);
  const isFile = await stat(scriptPath).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    throw new DeploymentLoadError(`Scoring script ${code.scoringScript} not found in the code folder ${code.dir}.`);
  }
  log(`Found user script at ${scriptPath}`);
  log(`Loading model from ${spec.modelDir}`);

  const worker = new Worker(BOOTSTRAP_SOURCE, {
    eval: true,
    workerData: { scriptUrl: pathToFileURL(scriptPath).href, scriptName: code.scoringScript },
    env: {
      ...spec.environmentVariables,
      AZUREML_MODEL_DIR: spec.modelDir,
      AZUREML_ENTRY_SCRIPT: code.scoringScript,
      AML_APP_ROOT: code.dir,
    },
    execArgv: [],
    stdout: true,
    stderr: true,
  });
  forwardLines(worker.stdout, log);
  forwardLines(worker.stderr, log);

  const pending = new Map<number, (outcome: ScoringOutcome) => void>();
  let nextId = 0;
  let stopped: string | undefined;

  const ready = new Promise<void>((resolveReady, rejectReady) => {
    worker.on("message", (message: WorkerMessage) => {
      switch (message.type) {
        case "ready":
          log("User's init() has completed successfully");
          resolveReady();
          return;
        case "init-failed":
          logLines(log, `init() failed: ${message.error}`);
          rejectReady(new DeploymentLoadError(`The scoring script's init() failed: ${firstLine(message.error)}`));
          return;
        case "result": {
          const settle = pending.get(message.id);
          pending.delete(message.id);
          if (message.ok) settle?.(scored(message.body, message.execMs));
          else {
            logLines(log, `Request failed: ${message.error}`);
            settle?.(scoringFailed(message.execMs));
          }
        }
      }
    });
    worker.on("error", (error) => {
      logLines(log, `Scoring worker crashed: ${error.stack ?? error.message}`);
      rejectReady(new DeploymentLoadError(`The scoring script crashed while loading: ${error.message}`));
    });
    worker.on("exit", (exitCode) => {
      if (stopped === undefined) {
        stopped = `the scoring worker exited with code ${exitCode}`;
        log(`Inference server stopped: ${stopped}`);
      }
      rejectReady(new DeploymentLoadError(`The scoring script stopped before init() completed (${stopped}).`));
      for (const settle of pending.values()) settle(scoringFailed(0));
      pending.clear();
    });
  });

  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  return {
    score(rawBody: string): Promise<ScoringOutcome> {
      if (stopped !== undefined) {
        log(`Request failed: ${stopped}`);
        return Promise.resolve(scoringFailed(0));
      }
      const id = nextId++;
      return new Promise((settle) => {
        pending.set(id, settle);
        worker.postMessage({ id, rawData: rawBody });
      });
    },
    async close(): Promise<void> {
      stopped ??= "the deployment was stopped";
      await worker.terminate();
    },
  };
}

function forwardLines(stream: Readable, log: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", log);
}

function logLines(log: (line: string) => void, text: string): void {
  for (const line of text.split("\n")) log(line);
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}
