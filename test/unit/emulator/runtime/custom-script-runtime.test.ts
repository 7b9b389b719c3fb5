import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeploymentRuntime } from "../../../../src/emulator/runtime/deployment-runtime.js";
import {
  diabetesModelDir,
  diabetesScoreCode,
  failToStart,
  labels,
  message,
  predictions,
  sample,
  startRuntime,
  SCORING_FAILED,
  type RunningRuntime,
} from "./runtime-fixtures.js";

/** The classic custom-deployment payload: {"data": [[8 numbers], ...]}. */
const classicPayload = (name: string): string => JSON.stringify({ data: sample(name).payload.input_data.data });

describe("custom deployment running the diabetes score.js", () => {
  const started: DeploymentRuntime[] = [];
  const start = async (version: 1 | 2): Promise<RunningRuntime> => {
    const running = await startRuntime({ modelDir: diabetesModelDir(version), code: diabetesScoreCode });
    started.push(running.runtime);
    return running;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.close()));
  });

  it("loads model.onnx from AZUREML_MODEL_DIR in init() and scores {data} payloads", async () => {
    const { runtime, logs } = await start(1);
    const outcome = await runtime.score(classicPayload("batch-of-3"));
    expect(outcome).toMatchObject({ status: 200, runFunctionFailed: false });
    expect(labels(outcome)).toEqual([1, 0, 1]);
    expect(logs.join("\n")).toContain(`Loaded ${join(diabetesModelDir(1), "model.onnx")}`);
  });

  it("gives the same probabilities as the MLflow deployment of the same model", async () => {
    const custom = await start(1);
    const mlflow = await startRuntime({ modelDir: diabetesModelDir(1) });
    started.push(mlflow.runtime);
    const fromScript = predictions(await custom.runtime.score(classicPayload("batch-of-3")));
    const fromMlflow = predictions(await mlflow.runtime.score(JSON.stringify(sample("batch-of-3").payload)));
    fromScript.forEach((p, i) => expect(p.probability).toBeCloseTo(fromMlflow[i]!.probability, 6));
  });

  it("scores with whichever model version the deployment mounts", async () => {
    const v1 = await start(1);
    const v2 = await start(2);
    expect(labels(await v1.runtime.score(classicPayload("borderline")))).toEqual([0]);
    expect(labels(await v2.runtime.score(classicPayload("borderline")))).toEqual([1]);
  });

  it("answers 500 when run() throws, with the script's error in the log", async () => {
    const { runtime, logs } = await start(1);
    const outcome = await runtime.score(JSON.stringify({ rows: [] }));
    expect(outcome).toMatchObject({ status: 500, runFunctionFailed: true });
    expect(message(outcome)).toBe(SCORING_FAILED);
    expect(logs).toContain('Request failed: Error: Expected {"data": [[8 numbers], ...]}');
    expect(logs.some((line) => line.includes("score.js"))).toBe(true);
  });
});

describe("custom deployment running a scoring script", () => {
  let codeDir: string;
  const started: DeploymentRuntime[] = [];
  beforeEach(async () => {
    codeDir = await mkdtemp(join(tmpdir(), "greenlight-score-"));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.close()));
    await rm(codeDir, { recursive: true, force: true });
  });

  async function withScript(
    source: string,
    environmentVariables: Record<string, string> = {},
  ): Promise<RunningRuntime> {
    await writeFile(join(codeDir, "score.js"), source);
    const running = await startRuntime({
      modelDir: diabetesModelDir(1),
      code: { dir: codeDir, scoringScript: "score.js" },
      environmentVariables,
    });
    started.push(running.runtime);
    return running;
  }

  it("gives each deployment its own environment: AZUREML_MODEL_DIR and its variables, nothing from the host", async () => {
    const script = `
      export function init() {}
      export function run() {
        return { modelDir: process.env.AZUREML_MODEL_DIR, color: process.env.COLOR, host: process.env.GREENLIGHT_HOST_SECRET ?? null };
      }`;
    process.env["GREENLIGHT_HOST_SECRET"] = "do-not-leak";
    try {
      const blue = await withScript(script, { COLOR: "blue" });
      const green = await withScript(script, { COLOR: "green" });
      expect(JSON.parse((await blue.runtime.score("{}")).body)).toEqual({
        modelDir: diabetesModelDir(1),
        color: "blue",
        host: null,
      });
      expect(JSON.parse((await green.runtime.score("{}")).body)).toMatchObject({ color: "green" });
    } finally {
      delete process.env["GREENLIGHT_HOST_SECRET"];
    }
  });

  it("passes the raw request body to run() as a string", async () => {
    const { runtime } = await withScript(`
      export function init() {}
      export function run(rawData) { return { type: typeof rawData, rawData }; }`);
    const outcome = await runtime.score('{"data": [[1, 2]]}');
    expect(JSON.parse(outcome.body)).toEqual({ type: "string", rawData: '{"data": [[1, 2]]}' });
  });

  it("returns a JSON string from run() unchanged and serialises anything else", async () => {
    const { runtime } = await withScript(`
      export function init() {}
      export function run(rawData) {
        if (rawData === "json") return '{"already": "json"}';
        if (rawData === "text") return "plain text";
        return undefined;
      }`);
    expect((await runtime.score("json")).body).toBe('{"already": "json"}');
    expect((await runtime.score("text")).body).toBe('"plain text"');
    expect((await runtime.score("nothing")).body).toBe("null");
  });

  it("sends the script's console output to the deployment log", async () => {
    const { runtime, logs } = await withScript(`
      export function init() { console.log("warming up"); }
      export function run() { console.error("scoring now"); return []; }`);
    await runtime.score("{}");
    await expect.poll(() => logs).toEqual(expect.arrayContaining(["warming up", "scoring now"]));
  });

  it("answers 500 with the stack in the log when run() throws, and keeps serving", async () => {
    const { runtime, logs } = await withScript(`
      export function init() {}
      export function run(rawData) {
        if (rawData === "boom") throw new RangeError("the model exploded");
        return { ok: true };
      }`);
    const outcome = await runtime.score("boom");
    expect(outcome).toMatchObject({ status: 500, runFunctionFailed: true });
    expect(message(outcome)).toBe(SCORING_FAILED);
    expect(logs).toContain("Request failed: RangeError: the model exploded");
    expect(logs.some((line) => /^\s+at (Module\.)?run \(.*score\.js:\d+/.test(line))).toBe(true);
    expect(await runtime.score("fine")).toMatchObject({ status: 200, body: '{"ok":true}' });
  });

  it("answers 500 once the script has ended its worker, saying so in the log", async () => {
    const { runtime, logs } = await withScript(`
      export function init() {}
      export function run() { process.exit(3); }`);
    expect(await runtime.score("{}")).toMatchObject({ status: 500, runFunctionFailed: true });
    expect(await runtime.score("{}")).toMatchObject({ status: 500, runFunctionFailed: true });
    expect(logs).toContain("Inference server stopped: the scoring worker exited with code 3");
  });

  it("answers 500 to requests after the deployment is closed", async () => {
    const { runtime } = await withScript(`export function init() {} export function run() { return 1; }`);
    await runtime.close();
    expect(await runtime.score("{}")).toMatchObject({ status: 500, runFunctionFailed: true });
  });

  it("fails to start when init() throws, with the error in the message and the stack in the log", async () => {
    await writeFile(
      join(codeDir, "score.js"),
      `export function init() { throw new Error("cannot find weights.bin"); }\nexport function run() {}`,
    );
    const { error, logs } = await failToStart({
      modelDir: diabetesModelDir(1),
      code: { dir: codeDir, scoringScript: "score.js" },
    });
    expect(error.message).toBe("The scoring script's init() failed: Error: cannot find weights.bin");
    expect(logs).toContain("init() failed: Error: cannot find weights.bin");
    expect(logs.some((line) => /^\s+at (Module\.)?init \(.*score\.js:\d+/.test(line))).toBe(true);
  });

  it("fails to start when the script does not export init and run", async () => {
    await writeFile(join(codeDir, "score.js"), `export function predict() {}`);
    const { error } = await failToStart({
      modelDir: diabetesModelDir(1),
      code: { dir: codeDir, scoringScript: "score.js" },
    });
    expect(error.message).toMatch(
      /init\(\) failed: Error: score\.js must export the functions init\(\) and run\(rawData\)/,
    );
  });

  it("fails to start when the script cannot be imported", async () => {
    await writeFile(join(codeDir, "score.js"), `export function init( {`);
    const { error } = await failToStart({
      modelDir: diabetesModelDir(1),
      code: { dir: codeDir, scoringScript: "score.js" },
    });
    expect(error.message).toMatch(/init\(\) failed: SyntaxError/);
  });

  it("fails to start when the scoring script is not in the code folder", async () => {
    const { error } = await failToStart({
      modelDir: diabetesModelDir(1),
      code: { dir: codeDir, scoringScript: "scoring.js" },
    });
    expect(error.message).toBe(`Scoring script scoring.js not found in the code folder ${codeDir}.`);
  });
});
