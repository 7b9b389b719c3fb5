import type { z } from "zod";
import { badArgument } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";

/** Parses a request body with a zod schema; the first problem becomes a 400 that names the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join(".") ?? "";
  const what =
    issue?.code === "invalid_type" && issue.input === undefined ? "is required" : `is invalid: ${issue?.message}`;
  throw badArgument(`The request body is invalid: ${path || "body"} ${what}.`, path || undefined);
}

/** ISO 8601 time span (`PT5S`, `PT0.5S`, `PT1M30S`) in milliseconds, or undefined when malformed. */
export function durationMs(value: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!m || value === "P" || value.endsWith("T")) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [number, number, number, number];
  return Math.round(((d * 24 + h) * 60 + min) * 60_000 + s * 1000);
}

const sum = (values: Record<string, number>): number => Object.values(values).reduce((a, b) => a + b, 0);
const describeMap = (values: Record<string, number>): string =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

/**
 * Checks `traffic` and `mirrorTraffic` against the endpoint's deployments (reference §5) and returns both with
 * deployment names in their stored spelling.
 */
export function validateTraffic(
  ws: LocalWorkspace,
  endpointName: string,
  traffic: Record<string, number>,
  mirrorTraffic: Record<string, number>,
): { traffic: Record<string, number>; mirrorTraffic: Record<string, number> } {
  const deployments = ws.deploymentsOf(endpointName);
  const existing = deployments.map((d) => d.name).join(", ") || "none yet";
  const canonical = (field: string, values: Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(values)) {
      const deployment = ws.findDeployment(endpointName, name);
      if (!deployment) {
        throw badArgument(
          `${field} names deployment '${name}', which does not exist in endpoint ${endpointName}. ` +
            `Existing deployments: ${existing}. Create the deployment first, then set its traffic.`,
          `properties.${field}`,
        );
      }
      if (!Number.isInteger(value) || value < 0 || value > 100) {
        throw badArgument(`${field} for '${name}' must be a whole number from 0 to 100; got ${value}.`);
      }
      if (value > 0 && field === "traffic" && deployment.provisioningState === "Failed") {
        throw badArgument(
          `Deployment '${deployment.name}' failed to provision and cannot receive traffic. Fix or delete it first.`,
          "properties.traffic",
        );
      }
      out[deployment.name] = value;
    }
    return out;
  };
  const live = canonical("traffic", traffic);
  const mirror = canonical("mirrorTraffic", mirrorTraffic);
  const total = sum(live);
  if (total !== 0 && total !== 100) {
    throw badArgument(
      `Traffic values must sum to 0 or 100; they sum to ${total} (${describeMap(live)}). ` +
        `Adjust the values so they add up to 100.`,
      "properties.traffic",
    );
  }
  const mirrored = Object.entries(mirror).filter(([, v]) => v > 0);
  if (mirrored.length > 1) {
    throw badArgument(
      `Mirror traffic can go to one deployment only; got ${describeMap(mirror)}.`,
      "properties.mirrorTraffic",
    );
  }
  for (const [name, value] of mirrored) {
    if (value > 50) {
      throw badArgument(
        `Mirror traffic to '${name}' is ${value}%; the most allowed is 50%.`,
        "properties.mirrorTraffic",
      );
    }
    if ((live[name] ?? 0) > 0) {
      throw badArgument(
        `Deployment '${name}' has live traffic (${live[name]}%) and cannot also receive mirror traffic. ` +
          `Set its live traffic to 0 first.`,
        "properties.mirrorTraffic",
      );
    }
  }
  return { traffic: live, mirrorTraffic: mirror };
}
