// Scoring script for a custom deployment of the diabetes model, following Azure ML's contract: init() runs once
// when the container starts, run(rawData) for every request. AZUREML_MODEL_DIR is the registered model's folder.
//
// Request:  {"data": [[Pregnancies, PlasmaGlucose, DiastolicBloodPressure, TricepsThickness, SerumInsulin, BMI,
//                      DiabetesPedigree, Age], ...]}
// Response: [{"label": 0 | 1, "probability": <probability of diabetes>}, ...]
import { join } from "node:path";
import ort from "onnxruntime-node";

const FEATURES = 8;
let session;

export async function init() {
  const modelPath = join(process.env.AZUREML_MODEL_DIR ?? ".", "model.onnx");
  session = await ort.InferenceSession.create(modelPath);
  console.log(
    `Loaded ${modelPath}: inputs ${session.inputNames.join(", ")}, outputs ${session.outputNames.join(", ")}`,
  );
}

export async function run(rawData) {
  const rows = JSON.parse(rawData).data;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row) || row.length !== FEATURES)) {
    throw new Error(`Expected {"data": [[${FEATURES} numbers], ...]}`);
  }
  const input = new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, FEATURES]);
  const { label, probability } = await session.run({ input });
  console.log(`Scored ${rows.length} row(s)`);
  return rows.map((_, i) => ({ label: Number(label.data[i]), probability: probability.data[i] }));
}
