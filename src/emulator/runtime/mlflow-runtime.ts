import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import ort from "onnxruntime-node";
import type { DeploymentRuntime, LogLine, RuntimeSpec, ScoringOutcome } from "./deployment-runtime.js";
import { createInputParser, type InputElementType } from "./mlflow-input.js";
import { createRecordsFormatter } from "./mlflow-output.js";
import { readMlmodel } from "./mlmodel.js";
import { badRequest, DeploymentLoadError, describeError, scored, scoringFailed } from "./scoring-outcome.js";

/**
 * Serves an MLflow model folder with an ONNX flavor the way Azure ML's no-code MLflow deployment does. Also the
 * scoring path for benchmarks that compare the emulator's router against a bare HTTP server.
 */
export async function startMlflowRuntime(spec: Pick<RuntimeSpec, "modelDir" | "log">): Promise<DeploymentRuntime> {
  const log = (line: LogLine): void => spec.log(line);
  log(`Loading model from ${spec.modelDir}`);
  const model = await readMlmodel(spec.modelDir);
  const session = await createSession(model.onnxPath);
  try {
    const { inputName, elementType } = checkInput(session, model.inputColumns.length);
    const parse = createInputParser(
      model.inputColumns.map((c) => c.name),
      elementType,
    );
    const format = createRecordsFormatter(session.outputNames);
    const width = model.inputColumns.length;
    log(
      `Model loaded: inputs=${describeValues(session.inputMetadata)}, outputs=${describeValues(session.outputMetadata)}`,
    );

    return {
      async score(rawBody: string): Promise<ScoringOutcome> {
        const start = performance.now();
        const input = parse(rawBody);
        if (!input.ok) {
          log(`Request failed: 400 ${input.message}`);
          return badRequest(input.message, performance.now() - start);
        }
        try {
          const tensor = new ort.Tensor(elementType, input.values, [input.rows, width]);
          const body = format(await session.run({ [inputName]: tensor }), input.rows);
          const execMs = performance.now() - start;
          const rows = input.rows;
          log(() => `Scoring request: ${rows} row(s), 200 in ${execMs.toFixed(2)} ms`);
          return scored(body, execMs);
        } catch (error) {
          log(`Request failed: ${describeError(error)}`);
          return scoringFailed(performance.now() - start);
        }
      },
      async close(): Promise<void> {
        await session.release();
      },
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

async function createSession(onnxPath: string): Promise<ort.InferenceSession> {
  let bytes: Buffer;
  try {
    bytes = await readFile(onnxPath);
  } catch {
    throw new DeploymentLoadError(`Model file ${onnxPath} named in MLmodel does not exist.`);
  }
  try {
    return await ort.InferenceSession.create(bytes, {
      // Many deployments share one process: a single thread per session avoids oversubscribing the cores and is
      // fastest for small tabular models.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      // Errors reach the deployment log through score(); onnxruntime's own stderr copy would only be noise.
      logSeverityLevel: 4,
    });
  } catch (error) {
    throw new DeploymentLoadError(`onnxruntime could not load ${onnxPath}: ${describeError(error)}`);
  }
}

function checkInput(
  session: ort.InferenceSession,
  columns: number,
): { inputName: string; elementType: InputElementType } {
  const [input, ...others] = session.inputMetadata;
  if (input === undefined || others.length > 0) {
    throw new DeploymentLoadError(
      `The ONNX model has ${session.inputNames.length} inputs; an MLflow column signature needs exactly one.`,
    );
  }
  if (!input.isTensor || (input.type !== "float32" && input.type !== "float64")) {
    throw new DeploymentLoadError(`The ONNX model's input ${input.name} must be a float or double tensor.`);
  }
  const width = input.shape[input.shape.length - 1];
  if (input.shape.length !== 2 || (typeof width === "number" && width !== columns)) {
    throw new DeploymentLoadError(
      `The ONNX model's input ${input.name} has shape [${input.shape.join(",")}]; the signature has ${columns} columns.`,
    );
  }
  return { inputName: input.name, elementType: input.type };
}

function describeValues(values: readonly ort.InferenceSession.ValueMetadata[]): string {
  return values.map((v) => (v.isTensor ? `${v.name} ${v.type}[${v.shape.join(",")}]` : v.name)).join(", ");
}
