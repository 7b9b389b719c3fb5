import type { DIABETES_FEATURES } from "../../emulator/seed/diabetes-features.js";

/** Where a feature stays, and how far one request may move it from the stored value. */
interface FeatureRange {
  min: number;
  max: number;
  spread: number;
}

/**
 * The diabetes features within the ranges the demo models were trained on (scripts/train-models.ts), except
 * Pregnancies, which stops at 9: 10 or more is what the faulty diabetes:3 fails on, and only the requests chosen for
 * that carry such a patient.
 */
const DIABETES_RANGES = {
  Pregnancies: { min: 0, max: 9, spread: 1 },
  PlasmaGlucose: { min: 44, max: 192, spread: 12 },
  DiastolicBloodPressure: { min: 24, max: 117, spread: 6 },
  TricepsThickness: { min: 7, max: 92, spread: 4 },
  SerumInsulin: { min: 14, max: 796, spread: 25 },
  BMI: { min: 18, max: 56, spread: 2 },
  DiabetesPedigree: { min: 0.078, max: 2.3, spread: 0.08 },
  Age: { min: 21, max: 77, spread: 3 },
} satisfies Record<(typeof DIABETES_FEATURES)[number], FeatureRange>;

const RANGES: ReadonlyMap<string, FeatureRange> = new Map(Object.entries(DIABETES_RANGES));

/**
 * The share of requests that carry a patient with 10 to 14 pregnancies: about their share in the Pima diabetes data
 * the sample features come from (58 of 768), and what a deployment of diabetes:3 then fails on.
 */
export const MANY_PREGNANCIES_SHARE = 0.07;
const MANY_PREGNANCIES = { min: 10, max: 14 };

/** A number in a column the table above does not know moves by up to this share of its value. */
const RELATIVE_SPREAD = 0.05;

type Random = () => number;

/**
 * A copy of a stored sample payload with its feature values moved a little, as the next patient would have them:
 * the rows of an MLflow `input_data` table (pandas split: `columns` + `data`) or of a bare row list (`input_data` or
 * `data` as a list of rows). Integers stay integers, decimals keep their places, known features stay in range; with
 * probability {@link MANY_PREGNANCIES_SHARE} one row of a table with a Pregnancies column gets 10 to 14. A payload of
 * any other shape is sent as stored.
 */
export function varyPayload(payload: unknown, random: Random): unknown {
  const manyPregnancies = random() < MANY_PREGNANCIES_SHARE;
  if (!isRecord(payload)) return payload;
  if (isTable(payload)) return varyTable(payload, random, manyPregnancies);
  const varied: Record<string, unknown> = { ...payload };
  for (const key of ["input_data", "data"]) {
    const value = payload[key];
    if (isTable(value)) varied[key] = varyTable(value, random, manyPregnancies);
    else if (isRowList(value)) varied[key] = value.map((row) => row.map((cell) => varyCell(cell, undefined, random)));
  }
  return varied;
}

interface Table extends Record<string, unknown> {
  columns: unknown[];
  data: unknown[][];
}

function varyTable(table: Table, random: Random, manyPregnancies: boolean): Table {
  const ranges = table.columns.map((c) => (typeof c === "string" ? RANGES.get(c) : undefined));
  const data = table.data.map((row) => row.map((cell, i) => varyCell(cell, ranges[i], random)));
  const pregnancies = table.columns.indexOf("Pregnancies");
  const chosen = data[Math.floor(random() * data.length)];
  if (manyPregnancies && pregnancies >= 0 && chosen && typeof chosen[pregnancies] === "number") {
    chosen[pregnancies] =
      MANY_PREGNANCIES.min + Math.floor(random() * (MANY_PREGNANCIES.max - MANY_PREGNANCIES.min + 1));
  }
  return { ...table, data };
}

function varyCell(cell: unknown, range: FeatureRange | undefined, random: Random): unknown {
  if (typeof cell !== "number" || !Number.isFinite(cell)) return cell;
  // Triangular noise: mostly near the stored value, never beyond the spread.
  const noise = (random() + random() - 1) * (range?.spread ?? Math.abs(cell) * RELATIVE_SPREAD);
  const moved = range ? Math.min(range.max, Math.max(range.min, cell + noise)) : cell + noise;
  const places = decimalPlaces(cell);
  return Math.round(moved * 10 ** places) / 10 ** places;
}

function decimalPlaces(x: number): number {
  if (Number.isInteger(x)) return 0;
  const text = String(x);
  const dot = text.indexOf(".");
  return text.includes("e") || dot < 0 ? 6 : Math.min(6, text.length - dot - 1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTable(value: unknown): value is Table {
  return isRecord(value) && Array.isArray(value["columns"]) && isRowList(value["data"]);
}

function isRowList(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.length > 0 && value.every((row) => Array.isArray(row));
}
