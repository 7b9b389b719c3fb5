import type { UserError } from "../../errors.js";
import { err, ok, type Result } from "../../../ports/result.js";

/** Checks that a payload is JSON within the size limit; returns it compacted for sending. */
export function checkPayload(text: string, maxBytes: number): Result<string, UserError> {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) return err({ code: "payload_too_large", bytes, limitBytes: maxBytes });
  try {
    return ok(JSON.stringify(JSON.parse(text)));
  } catch (error) {
    return err({ code: "invalid_json", detail: (error as Error).message });
  }
}
