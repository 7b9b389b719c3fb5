import { ArmError } from "../http/arm-error.js";

/** Stable api-versions whose online-endpoint shapes the local workspace serves (reference §2). */
export const SUPPORTED_API_VERSIONS = [
  "2022-10-01",
  "2023-04-01",
  "2023-10-01",
  "2024-04-01",
  "2024-10-01",
  "2025-09-01",
  "2025-12-01",
] as const;

/** `mirrorTraffic` exists from this version on. */
const MIRROR_TRAFFIC_SINCE = "2023-04-01";

/**
 * Deployment properties that 2022-10-01 does not have, with the first stable api-version whose spec has them
 * (`OnlineDeploymentProperties` in each version's spec).
 */
export const NEWER_DEPLOYMENT_PROPERTIES: Readonly<Record<string, string>> = {
  dataCollector: "2024-04-01",
  startupProbe: "2024-10-01",
};

const NEWEST_API_VERSION = SUPPORTED_API_VERSIONS[SUPPORTED_API_VERSIONS.length - 1] ?? "";

/**
 * Whether a property beyond the typed 2022-10-01 ones exists at `apiVersion`: a listed one from its version on; one
 * the local workspace does not know is taken to be as new as the newest api-version it serves.
 */
export function hasNewerProperty(
  property: string,
  apiVersion: string,
  since: Readonly<Record<string, string>>,
): boolean {
  return apiVersion >= (since[property] ?? NEWEST_API_VERSION);
}

/**
 * Azure Monitor's metrics API (Microsoft.Insights/metrics): every api-version is served alike, since the query and the
 * answer have kept one shape from 2018-01-01 to 2024-02-01 (@azure/arm-monitor 7 sends 2018-01-01, 8 sends 2024-02-01).
 */
export const METRICS_RESOURCE_TYPE = "microsoft.insights/metrics";

export function requireApiVersion(value: string | null, resourceType: string): string {
  if (!value) {
    throw new ArmError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  }
  if (resourceType === METRICS_RESOURCE_TYPE) return value;
  const supported: readonly string[] = SUPPORTED_API_VERSIONS;
  if (!supported.includes(value)) {
    throw new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for API version '${value}' and type '${resourceType}'. ` +
        `The supported api-versions are '${supported.join(", ")}'.`,
    );
  }
  return value;
}

export function hasMirrorTraffic(apiVersion: string): boolean {
  return apiVersion >= MIRROR_TRAFFIC_SINCE;
}
