import { isRestError } from "@azure/core-rest-pipeline";
import type { RestError } from "@azure/core-rest-pipeline";
import { expect } from "vitest";

/** Awaits a call that must be refused with an HTTP status (or a 4xx when `status` is "4xx") and returns its RestError. */
export async function expectRestError(call: Promise<unknown>, status: number | "4xx"): Promise<RestError> {
  let outcome: { refused: false } | { refused: true; error: unknown };
  try {
    await call;
    outcome = { refused: false };
  } catch (error) {
    outcome = { refused: true, error };
  }
  if (!outcome.refused) expect.fail(`expected the call to be refused with ${String(status)}, but it succeeded`);
  return expectRestErrorValue(outcome.error, status);
}

/** Asserts that `error` is a RestError with an HTTP status (or a 4xx when `status` is "4xx") and returns it. */
export function expectRestErrorValue(error: unknown, status: number | "4xx"): RestError {
  // isRestError, not instanceof: the SDK loads core-rest-pipeline's CommonJS build, tests get its ESM build.
  if (!isRestError(error)) expect.fail(`expected a RestError with ${String(status)}, got: ${describe(error)}`);
  const statusCode = error.statusCode ?? 0;
  if (status === "4xx") {
    expect(statusCode >= 400 && statusCode < 500, `expected a 4xx, got ${statusCode}: ${error.message}`).toBe(true);
  } else {
    expect(statusCode, `status of "${error.code ?? ""}: ${error.message}"`).toBe(status);
  }
  return error;
}

/** The `{ error: { code, message } }` of an ARM error body, or empties when the body is not one. */
export function armError(body: unknown): { code: string; message: string } {
  const error = isRecord(body) && isRecord(body["error"]) ? body["error"] : {};
  return {
    code: typeof error["code"] === "string" ? error["code"] : "",
    message: typeof error["message"] === "string" ? error["message"] : "",
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
}
