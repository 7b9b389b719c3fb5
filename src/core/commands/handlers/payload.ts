import type { UserError } from "../../errors.js";
import { err, ok, type Result } from "../../../ports/result.js";
import type { CommandContext } from "../command-context.js";
import type { PayloadSource } from "../../vocabulary/command.js";

/** A payload ready to send or store: compact JSON, and where it came from (for the card and the audit row). */
export interface Payload {
  json: string;
  /** "sample typical-patient", "inline JSON", "file patient.json". */
  source: string;
  /** The attached file's name, when it came from one. */
  fileName?: string;
}

/**
 * Reads a payload from where the command said: a stored sample, inline JSON, or an attached file — downloaded here,
 * after the policy allowed the caller — and checks it is JSON within the size limit.
 */
export async function readPayload(
  ctx: CommandContext,
  endpoint: string,
  source: PayloadSource,
): Promise<Result<Payload, UserError>> {
  switch (source.kind) {
    case "sample": {
      const sample = await ctx.store.getSample(endpoint, source.name);
      if (!sample) {
        const known = (await ctx.store.listSamples(endpoint)).map((s) => s.name);
        return err({ code: "sample_not_found", endpoint, sample: source.name, known });
      }
      return checked(sample.payload, ctx, { source: `sample ${sample.name}` });
    }
    case "inline":
      return checked(source.text, ctx, { source: "inline JSON" });
    case "attachment": {
      const text = await source.file.read();
      if (!text.ok) return err({ code: "attachment_unreadable", name: source.file.name, detail: text.error });
      return checked(text.value, ctx, { source: `file ${source.file.name}`, fileName: source.file.name });
    }
  }
}

function checked(text: string, ctx: CommandContext, origin: Omit<Payload, "json">): Result<Payload, UserError> {
  const json = checkPayload(text, ctx.limits.maxPayloadBytes);
  return json.ok ? ok({ json: json.value, ...origin }) : json;
}

/** Checks that a payload is JSON within the size limit; returns it compacted for sending. */
export function checkPayload(text: string, maxBytes: number): Result<string, UserError> {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) return err({ code: "payload_too_large", bytes, limitBytes: maxBytes });
  try {
    return ok(JSON.stringify(JSON.parse(text)));
  } catch (error) {
    return err({ code: "invalid_json", detail: whereJsonBreaks(error) });
  }
}

/**
 * Where the JSON stops being valid, without quoting it: V8's message repeats the start of the text, which may be a
 * file's or a server's content the caller should not see echoed.
 */
function whereJsonBreaks(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `it stops being valid at character ${Number(position) + 1}`;
  return /end of JSON input/i.test(message) ? "it ends too early" : "it is not valid JSON";
}
