/**
 * Trains the emulator's seed models `diabetes` 1, 2 and 3 on generated data and writes them as MLflow model folders
 * with an ONNX flavor under src/emulator/seed/models/diabetes/<version>/. Deterministic: a second run writes
 * byte-identical files.
 *
 *   npm run train-models
 *
 * - v1: logistic regression, 800 rows, strong L2 regularisation.
 * - v2: logistic regression, 6000 rows, weak L2, decision threshold 0.4 (tuned for recall: a missed diabetic
 *   costs more than a follow-up test). v1 and v2 disagree on borderline patients.
 * - v3: v2 plus a learned offset per pregnancy count, looked up with Gather in a 10-slot table. Deliberately faulty:
 *   a patient with 10 or more pregnancies makes onnxruntime fail with "indices element out of data bounds".
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import onnxProto from "onnx-proto";
import { Scalar, stringify } from "yaml";
import { DIABETES_FEATURES } from "../src/emulator/seed/diabetes-features.js";

const { onnx } = onnxProto;

const FEATURES = DIABETES_FEATURES;

const PREGNANCY_BUCKETS = 10;
const OUTPUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "emulator", "seed", "models", "diabetes");

// ── deterministic randomness ────────────────────────────────────────────────────────────────────────────────────

/** mulberry32: small, fast, and the same sequence on every platform. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number, mean: number, sd: number): number {
  // Box–Muller; 1 - u keeps log() away from 0.
  const u = 1 - random();
  const v = random();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const round = (x: number, decimals: number): number => Number(x.toFixed(decimals));
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

// ── synthetic patients ──────────────────────────────────────────────────────────────────────────────────────────

interface DataSet {
  x: number[][];
  y: number[];
}

/** Ranges follow the Azure ML diabetes sample data; the correlations (age→pregnancies, glucose→insulin,
 * BMI→triceps) make regularisation matter. */
function generatePatients(count: number, seed: number): DataSet {
  const random = seededRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    const age = Math.round(clamp(21 + Math.abs(normal(random, 0, 16)), 21, 77));
    const pregnancies = Math.round(clamp(normal(random, (age - 18) / 6, 2.2), 0, 14));
    const glucose = Math.round(clamp(normal(random, 112 + 0.25 * (age - 30), 28), 44, 192));
    const diastolic = Math.round(clamp(normal(random, 70 + 0.2 * (age - 30), 12), 24, 117));
    const bmi = round(clamp(normal(random, 31, 7.5), 18, 56), 1);
    const triceps = Math.round(clamp(normal(random, 8 + 0.8 * bmi, 8), 7, 92));
    const insulin = Math.round(clamp(normal(random, 40 + 0.9 * glucose, 90), 14, 796));
    const pedigree = round(clamp(0.08 + Math.abs(normal(random, 0, 0.55)), 0.078, 2.3), 3);

    const logit =
      -0.7 +
      0.042 * (glucose - 120) +
      0.085 * (bmi - 31) +
      1.1 * (pedigree - 0.5) +
      0.03 * (age - 35) +
      0.11 * (pregnancies - 3) +
      0.003 * (insulin - 140) +
      0.008 * (diastolic - 72) +
      0.0007 * (glucose - 120) * (bmi - 31) +
      normal(random, 0, 0.6);
    x.push([pregnancies, glucose, diastolic, triceps, insulin, bmi, pedigree, age]);
    y.push(random() < sigmoid(logit) ? 1 : 0);
  }
  return { x, y };
}

// ── logistic regression ─────────────────────────────────────────────────────────────────────────────────────────

/** A linear model over raw (unstandardised) features: logit = bias + Σ weights·x. */
interface LinearModel {
  weights: number[];
  bias: number;
}

interface TrainingOptions {
  l2: number;
  epochs: number;
  learningRate: number;
}

/** Full-batch gradient descent on standardised features; the standardisation is folded into the returned weights. */
function trainLogisticRegression(data: DataSet, options: TrainingOptions): LinearModel {
  const n = data.x.length;
  const d = data.x[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const row of data.x) for (let j = 0; j < d; j++) mean[j]! += row[j]! / n;
  for (const row of data.x) for (let j = 0; j < d; j++) sd[j]! += (row[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = data.x.map((row) => row.map((v, j) => (v - mean[j]!) / sd[j]!));

  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const zi = z[i]!;
      let s = b;
      for (let j = 0; j < d; j++) s += w[j]! * zi[j]!;
      const err = sigmoid(s) - data.y[i]!;
      for (let j = 0; j < d; j++) gw[j]! += err * zi[j]!;
      gb += err;
    }
    for (let j = 0; j < d; j++) w[j]! -= options.learningRate * (gw[j]! / n + options.l2 * w[j]!);
    b -= options.learningRate * (gb / n);
  }
  return {
    weights: w.map((wj, j) => wj / sd[j]!),
    bias: b - w.reduce((acc, wj, j) => acc + (wj * mean[j]!) / sd[j]!, 0),
  };
}

// ── the three versions ──────────────────────────────────────────────────────────────────────────────────────────

interface DiabetesModel {
  version: number;
  description: string;
  linear: LinearModel;
  threshold: number;
  /** v3 only: logit offset per pregnancy count 0..9. */
  pregnancyOffsets?: number[];
}

function predictProbability(model: DiabetesModel, row: readonly number[]): number {
  let s = model.linear.bias;
  row.forEach((v, j) => (s += model.linear.weights[j]! * v));
  if (model.pregnancyOffsets) {
    const offset = model.pregnancyOffsets[Math.trunc(row[0]!)];
    if (offset === undefined) return Number.NaN; // the ONNX graph fails here
    s += offset;
  }
  return sigmoid(s);
}

/** Accuracy and recall (share of diabetic patients flagged) over the rows the model can score. */
function evaluate(model: DiabetesModel, data: DataSet): { accuracy: number; recall: number } {
  let scored = 0;
  let correct = 0;
  let positives = 0;
  let found = 0;
  data.x.forEach((row, i) => {
    const p = predictProbability(model, row);
    if (Number.isNaN(p)) return;
    const predicted = p > model.threshold ? 1 : 0;
    scored++;
    if (predicted === data.y[i]) correct++;
    if (data.y[i] === 1) {
      positives++;
      if (predicted === 1) found++;
    }
  });
  return { accuracy: correct / scored, recall: found / positives };
}

function oneHotPregnancies(data: DataSet): DataSet {
  const kept = data.x.map((row, i) => ({ row, label: data.y[i]! })).filter(({ row }) => row[0]! < PREGNANCY_BUCKETS);
  return {
    x: kept.map(({ row }) => [...row, ...Array.from({ length: PREGNANCY_BUCKETS }, (_, k) => (row[0] === k ? 1 : 0))]),
    y: kept.map(({ label }) => label),
  };
}

function trainModels(): { models: DiabetesModel[]; training: DataSet[]; holdout: DataSet } {
  const small = generatePatients(800, 101);
  const large = generatePatients(6000, 202);
  const holdout = generatePatients(3000, 303);
  const gd = { epochs: 3000, learningRate: 0.5 };

  const v1: DiabetesModel = {
    version: 1,
    description: "Logistic regression on 800 patients, strong L2 (0.05), threshold 0.5.",
    linear: trainLogisticRegression(small, { ...gd, l2: 0.05 }),
    threshold: 0.5,
  };
  const v2: DiabetesModel = {
    version: 2,
    description: "Logistic regression on 6000 patients, weak L2 (0.001), threshold 0.4 (tuned for recall).",
    linear: trainLogisticRegression(large, { ...gd, l2: 0.001 }),
    threshold: 0.4,
  };
  // v3 learns one extra weight per pregnancy count seen in training (0..9); rows with 10+ were dropped, so the
  // lookup table has no slot for them — the bug this version exists to demonstrate.
  const v3Fit = trainLogisticRegression(oneHotPregnancies(large), { ...gd, l2: 0.001 });
  const v3: DiabetesModel = {
    version: 3,
    description: "v2 plus a learned offset per pregnancy count (10-slot table; fails for 10 or more pregnancies).",
    linear: { weights: v3Fit.weights.slice(0, FEATURES.length), bias: v3Fit.bias },
    threshold: 0.4,
    pregnancyOffsets: v3Fit.weights.slice(FEATURES.length),
  };
  return { models: [v1, v2, v3], training: [small, large, large], holdout };
}

// ── ONNX export ─────────────────────────────────────────────────────────────────────────────────────────────────

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

function tensorInfo(name: string, elemType: number, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function floatTensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dataType: DataType.FLOAT, dims, floatData: values };
}

function int64Tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dataType: DataType.INT64, dims, int64Data: values };
}

/**
 * input float[N,8] → logit = input·W + b (+ offsets[int(input[:,0])] for v3) → probability = sigmoid(logit) as
 * float[N]; label = int64(probability > threshold).
 */
function buildOnnxModel(model: DiabetesModel): Uint8Array {
  const initializer: onnxProto.onnx.ITensorProto[] = [
    floatTensor("weights", [FEATURES.length, 1], model.linear.weights),
    floatTensor("bias", [1], [model.linear.bias]),
    floatTensor("threshold", [], [model.threshold]),
    int64Tensor("flat_shape", [1], [-1]),
  ];
  const node: onnxProto.onnx.INodeProto[] = [
    { name: "linear", opType: "MatMul", input: ["input", "weights"], output: ["weighted"] },
    { name: "add_bias", opType: "Add", input: ["weighted", "bias"], output: ["base_logit"] },
  ];
  let logit = "base_logit";
  if (model.pregnancyOffsets) {
    initializer.push(
      floatTensor("pregnancy_offsets", [PREGNANCY_BUCKETS], model.pregnancyOffsets),
      int64Tensor("col_start", [1], [0]),
      int64Tensor("col_end", [1], [1]),
      int64Tensor("col_axis", [1], [1]),
    );
    node.push(
      {
        name: "pregnancies_column",
        opType: "Slice",
        input: ["input", "col_start", "col_end", "col_axis"],
        output: ["pregnancies"],
      },
      {
        name: "pregnancy_bucket",
        opType: "Cast",
        input: ["pregnancies"],
        output: ["pregnancy_index"],
        attribute: [{ name: "to", type: AttributeType.INT, i: DataType.INT64 }],
      },
      {
        name: "pregnancy_offset_lookup",
        opType: "Gather",
        input: ["pregnancy_offsets", "pregnancy_index"],
        output: ["pregnancy_offset"],
        attribute: [{ name: "axis", type: AttributeType.INT, i: 0 }],
      },
      { name: "add_pregnancy_offset", opType: "Add", input: ["base_logit", "pregnancy_offset"], output: ["logit"] },
    );
    logit = "logit";
  }
  node.push(
    { name: "sigmoid", opType: "Sigmoid", input: [logit], output: ["probability_column"] },
    { name: "flatten", opType: "Reshape", input: ["probability_column", "flat_shape"], output: ["probability"] },
    { name: "decide", opType: "Greater", input: ["probability", "threshold"], output: ["is_positive"] },
    {
      name: "to_label",
      opType: "Cast",
      input: ["is_positive"],
      output: ["label"],
      attribute: [{ name: "to", type: AttributeType.INT, i: DataType.INT64 }],
    },
  );

  const proto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "greenlight-train-models",
    producerVersion: "1",
    modelVersion: model.version,
    docString: `diabetes v${model.version}: ${model.description}`,
    graph: {
      name: `diabetes_v${model.version}`,
      input: [tensorInfo("input", DataType.FLOAT, ["N", FEATURES.length])],
      output: [tensorInfo("label", DataType.INT64, ["N"]), tensorInfo("probability", DataType.FLOAT, ["N"])],
      initializer,
      node,
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

// ── MLflow folder ───────────────────────────────────────────────────────────────────────────────────────────────

/** MLflow writes signatures as JSON strings (json.dumps: ", " and ": " separators). */
function pyJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('","', '", "').replaceAll('":', '": ').replaceAll(",{", ", {");
}

/** PyYAML quotes strings that look like timestamps; the yaml package (YAML 1.2) would not. */
function quoted(value: string): Scalar<string> {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_SINGLE;
  return scalar;
}

function renderMlmodel(model: DiabetesModel, onnxBytes: Uint8Array): string {
  const id = createHash("sha256").update(`diabetes:${model.version}`).digest("hex");
  const document = {
    artifact_path: "model",
    flavors: {
      onnx: {
        code: null,
        data: "model.onnx",
        onnx_version: "1.16.1",
        providers: ["CUDAExecutionProvider", "CPUExecutionProvider"],
      },
      python_function: {
        data: "model.onnx",
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
        loader_module: "mlflow.onnx",
        python_version: "3.10.14",
      },
    },
    mlflow_version: "2.14.2",
    model_size_bytes: onnxBytes.length,
    model_uuid: id.slice(0, 32),
    run_id: id.slice(32, 64),
    signature: {
      inputs: pyJson(FEATURES.map((name) => ({ type: "double", name, required: true }))),
      outputs: pyJson([
        { type: "long", name: "label", required: true },
        { type: "float", name: "probability", required: true },
      ]),
      params: null,
    },
    utc_time_created: quoted(`2025-0${model.version}-15 09:30:00.000000`),
  };
  return stringify(document, { singleQuote: true, indentSeq: false, lineWidth: 80 });
}

const CONDA_YAML = `channels:
- conda-forge
dependencies:
- python=3.10.14
- pip<=24.0
- pip:
  - mlflow==2.14.2
  - onnx==1.16.1
  - onnxruntime==1.18.0
name: mlflow-env
`;

const PYTHON_ENV_YAML = `python: 3.10.14
build_dependencies:
- pip==24.0
- setuptools
- wheel
dependencies:
- -r requirements.txt
`;

const REQUIREMENTS_TXT = `mlflow==2.14.2
onnx==1.16.1
onnxruntime==1.18.0
`;

async function writeModelFolder(model: DiabetesModel): Promise<string> {
  const dir = join(OUTPUT_DIR, String(model.version));
  await mkdir(dir, { recursive: true });
  const onnxBytes = buildOnnxModel(model);
  await writeFile(join(dir, "model.onnx"), onnxBytes);
  await writeFile(join(dir, "MLmodel"), renderMlmodel(model, onnxBytes));
  await writeFile(join(dir, "conda.yaml"), CONDA_YAML);
  await writeFile(join(dir, "python_env.yaml"), PYTHON_ENV_YAML);
  await writeFile(join(dir, "requirements.txt"), REQUIREMENTS_TXT);
  return dir;
}

async function main(): Promise<void> {
  const { models, training, holdout } = trainModels();
  const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
  for (const [i, model] of models.entries()) {
    const dir = await writeModelFolder(model);
    const train = evaluate(model, training[i]!);
    const test = evaluate(model, holdout);
    const note = model.pregnancyOffsets ? " (rows with 10+ pregnancies excluded: v3 cannot score them)" : "";
    console.log(
      `diabetes v${model.version}: training accuracy ${percent(train.accuracy)}, ` +
        `holdout accuracy ${percent(test.accuracy)}, holdout recall ${percent(test.recall)}${note} ` +
        `→ ${relative(process.cwd(), dir)}`,
    );
  }
}

await main();
