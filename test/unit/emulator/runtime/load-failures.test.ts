import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diabetesModelDir, failToStart } from "./runtime-fixtures.js";

describe("a model folder the MLflow runtime cannot serve", () => {
  let modelDir: string;
  beforeEach(async () => {
    modelDir = await mkdtemp(join(tmpdir(), "greenlight-model-"));
    await cp(diabetesModelDir(1), modelDir, { recursive: true });
  });
  afterEach(async () => {
    await rm(modelDir, { recursive: true, force: true });
  });

  const editMlmodel = async (edit: (text: string) => string): Promise<void> => {
    const file = join(modelDir, "MLmodel");
    await writeFile(file, edit(await readFile(file, "utf8")));
  };

  it("fails to start without an MLmodel file, saying the model is not in MLflow format", async () => {
    await rm(join(modelDir, "MLmodel"));
    const { error, logs } = await failToStart({ modelDir });
    expect(error.message).toBe(`No MLmodel file in ${modelDir}: the model is not in MLflow format.`);
    expect(logs).toContain(`Loading model from ${modelDir}`);
  });

  it("fails to start when MLmodel has no onnx flavor", async () => {
    await editMlmodel((text) => text.replace("  onnx:", "  sklearn:"));
    const { error } = await failToStart({ modelDir });
    expect(error.message).toMatch(/has no onnx flavor; the emulator can only serve ONNX models/);
  });

  it("fails to start when MLmodel has no input signature", async () => {
    await editMlmodel((text) => text.slice(0, text.indexOf("signature:")));
    const { error } = await failToStart({ modelDir });
    expect(error.message).toMatch(/has no input signature \(signature\.inputs\)/);
  });

  it("fails to start when the signature and the ONNX input disagree on the number of columns", async () => {
    await editMlmodel((text) => text.replace(/, \{"type": "double",\s+"name": "Age", "required": true\}/, ""));
    const { error } = await failToStart({ modelDir });
    expect(error.message).toBe("The ONNX model's input input has shape [N,8]; the signature has 7 columns.");
  });

  it("fails to start when MLmodel is not YAML", async () => {
    await writeFile(join(modelDir, "MLmodel"), "flavors: [onnx\n");
    const { error } = await failToStart({ modelDir });
    expect(error.message).toMatch(/MLmodel in .* is not valid YAML/);
  });

  it("fails to start when the ONNX file is missing", async () => {
    await rm(join(modelDir, "model.onnx"));
    const { error } = await failToStart({ modelDir });
    expect(error.message).toBe(`Model file ${join(modelDir, "model.onnx")} named in MLmodel does not exist.`);
  });

  it("fails to start when the ONNX file is corrupt, with onnxruntime's reason", async () => {
    await writeFile(join(modelDir, "model.onnx"), "this is not a protobuf");
    const { error } = await failToStart({ modelDir });
    expect(error.message).toMatch(new RegExp(`^onnxruntime could not load ${join(modelDir, "model.onnx")}: .*\\w`));
  });
});
