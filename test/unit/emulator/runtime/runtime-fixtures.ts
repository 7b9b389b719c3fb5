import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type {
  DeploymentRuntime,
  RuntimeSpec,
  ScoringOutcome,
} from "../../../../src/emulator/runtime/deployment-runtime.js";
import { startDeploymentRuntime } from "../../../../src/emulator/runtime/start-deployment-runtime.js";
import { DIABETES_FEATURES } from "../../../../src/emulator/seed/diabetes-features.js";

const seed = (path: string): string => fileURLToPath(new URL(`../../../../src/emulator/seed/${path}`, import.meta.url));

export const diabetesModelDir = (version: 1 | 2 | 3): string => seed(`models/diabetes/${version}`);
export const diabetesScoreCode = { dir: seed("code/diabetes-score"), scoringScript: "score.js" };

export const FEATURES: string[] = [...DIABETES_FEATURES];

interface Sample {
  name: string;
  description: string;
  payload: { input_data: { columns: string[]; index: number[]; data: number[][] } };
}

export const samples = JSON.parse(readFileSync(seed("samples.json"), "utf8")) as Sample[];

export function sample(name: string): Sample {
  const found = samples.find((s) => s.name === name);
  if (!found) throw new Error(`samples.json has no sample ${name}`);
  return found;
}

export interface Prediction {
  label: number;
  probability: number;
}

/** A started runtime plus the log lines it wrote. */
export interface RunningRuntime {
  runtime: DeploymentRuntime;
  logs: string[];
}

export async function startRuntime(
  spec: Omit<RuntimeSpec, "log" | "environmentVariables"> & Partial<Pick<RuntimeSpec, "environmentVariables">>,
): Promise<RunningRuntime> {
  const logs: string[] = [];
  const runtime = await startDeploymentRuntime({
    environmentVariables: {},
    ...spec,
    log: (line) => logs.push(typeof line === "string" ? line : line()),
  });
  return { runtime, logs };
}

/** Starts a runtime, expecting it to fail; returns the error and the log lines written before it failed. */
export async function failToStart(
  spec: Omit<RuntimeSpec, "log" | "environmentVariables">,
): Promise<{ error: Error; logs: string[] }> {
  const logs: string[] = [];
  try {
    const runtime = await startDeploymentRuntime({
      environmentVariables: {},
      ...spec,
      log: (line) => logs.push(typeof line === "string" ? line : line()),
    });
    await runtime.close();
  } catch (error) {
    return { error: error as Error, logs };
  }
  throw new Error("the runtime started");
}

export function predictions(outcome: ScoringOutcome): Prediction[] {
  if (outcome.status !== 200) throw new Error(`expected 200, got ${outcome.status}: ${outcome.body}`);
  return JSON.parse(outcome.body) as Prediction[];
}

export const labels = (outcome: ScoringOutcome): number[] => predictions(outcome).map((p) => p.label);

export function message(outcome: ScoringOutcome): string {
  return (JSON.parse(outcome.body) as { message: string }).message;
}

/** Azure's inference server answers a failing scoring function with exactly this (reference §6). */
export const SCORING_FAILED = "An unexpected error occurred in scoring script. Check the logs for more info.";
