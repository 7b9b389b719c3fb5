import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A name that is unique per run and valid for Azure ML endpoints: `<prefix>-<6 lowercase letters/digits>`. */
export function uniqueName(prefix: string): string {
  const suffix = Array.from(randomBytes(6), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `${prefix}-${suffix}`;
}
