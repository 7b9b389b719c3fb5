import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { DeploymentLoadError, describeError } from "./scoring-outcome.js";

/** What the emulator needs from an MLflow model folder's `MLmodel` file. */
export interface MlflowModel {
  /** Absolute path of the ONNX file named by `flavors.onnx.data`. */
  onnxPath: string;
  /** The input signature's columns, in the order the model's input tensor expects them. */
  inputColumns: readonly MlflowColumn[];
}

export interface MlflowColumn {
  name: string;
  type: string;
}

const NUMERIC_COLUMN_TYPES = new Set(["double", "float", "long", "integer", "boolean"]);

/** Reads `<modelDir>/MLmodel`; throws DeploymentLoadError naming what is missing. */
export async function readMlmodel(modelDir: string): Promise<MlflowModel> {
  const file = join(modelDir, "MLmodel");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new DeploymentLoadError(`No MLmodel file in ${modelDir}: the model is not in MLflow format.`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new DeploymentLoadError(`MLmodel in ${modelDir} is not valid YAML: ${describeError(error)}`);
  }

  const onnxFlavor = field(field(document, "flavors"), "onnx");
  if (!isObject(onnxFlavor)) {
    throw new DeploymentLoadError(
      `MLmodel in ${modelDir} has no onnx flavor; the emulator can only serve ONNX models.`,
    );
  }
  const data = onnxFlavor["data"];
  if (typeof data !== "string" || data === "") {
    throw new DeploymentLoadError(`MLmodel in ${modelDir}: flavors.onnx.data must name the ONNX file.`);
  }
  const onnxPath = resolve(modelDir, data);
  if (relative(resolve(modelDir), onnxPath).startsWith("..")) {
    throw new DeploymentLoadError(`MLmodel in ${modelDir}: flavors.onnx.data points outside the model folder.`);
  }

  return { onnxPath, inputColumns: readInputSignature(field(field(document, "signature"), "inputs"), modelDir) };
}

function readInputSignature(inputs: unknown, modelDir: string): MlflowColumn[] {
  if (typeof inputs !== "string") {
    throw new DeploymentLoadError(
      `MLmodel in ${modelDir} has no input signature (signature.inputs); log the model with a signature.`,
    );
  }
  let specs: unknown;
  try {
    specs = JSON.parse(inputs);
  } catch (error) {
    throw new DeploymentLoadError(`MLmodel in ${modelDir}: signature.inputs is not JSON: ${describeError(error)}`);
  }
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new DeploymentLoadError(`MLmodel in ${modelDir}: signature.inputs must be a non-empty list of columns.`);
  }
  return specs.map((spec: unknown, i): MlflowColumn => {
    const name = field(spec, "name");
    const type = field(spec, "type");
    if (typeof name !== "string" || typeof type !== "string") {
      throw new DeploymentLoadError(
        `MLmodel in ${modelDir}: signature input ${i} is not a named column; only column signatures are supported.`,
      );
    }
    if (!NUMERIC_COLUMN_TYPES.has(type)) {
      throw new DeploymentLoadError(
        `MLmodel in ${modelDir}: column ${name} has type ${type}; the emulator supports numeric columns only.`,
      );
    }
    return { name, type };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}
