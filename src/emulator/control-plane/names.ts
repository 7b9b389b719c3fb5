import { ArmError } from "../http/arm-error.js";

// Azure ML's rule for endpoint and deployment names (reference §5, QUOTA and the Python SDK's regex).
const RESOURCE_NAME = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
// The ARM path pattern for asset names (models, code, environments).
const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/;

export function validateResourceName(kind: "endpoint" | "deployment", name: string): void {
  if (name.length < 3 || name.length > 32 || !RESOURCE_NAME.test(name) || name.includes("--")) {
    throw new ArmError(
      400,
      "InvalidResourceName",
      `The ${kind} name '${name}' is invalid. It must be 3-32 characters, begin with a letter, end with a letter ` +
        `or digit, and contain only letters, digits and single dashes (for example 'my-${kind}-1').`,
      "name",
    );
  }
}

export function validateAssetName(kind: string, name: string): void {
  if (!ASSET_NAME.test(name)) {
    throw new ArmError(
      400,
      "InvalidResourceName",
      `The ${kind} name '${name}' is invalid. It must start with a letter or digit and contain only letters, ` +
        `digits, '-', '_' and '.' (at most 255 characters).`,
      "name",
    );
  }
}
