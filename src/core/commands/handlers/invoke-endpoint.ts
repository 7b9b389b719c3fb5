import type { InvokeResult } from "../../../ports/workspace.js";
import type { InvokeResultView, Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";
import type { PayloadSource } from "../parse-command.js";
import { escapeMarkdown } from "../../views/markdown.js";
import { readPayload } from "./payload.js";

const MAX_PREDICTIONS = 10;

/** `invoke <endpoint> [deployment] [payload]`: scores a request and shows who answered, how fast, and what. */
export async function invokeEndpoint(
  ctx: CommandContext,
  endpointName: string,
  deploymentName: string | undefined,
  source: PayloadSource | undefined,
): Promise<Reply> {
  const found = await ctx.workspace.getEndpoint(endpointName);
  if (!found.ok) return { kind: "error", error: found.error };
  const endpoint = found.value;
  const deployment = deploymentName
    ? endpoint.deployments.find((d) => d.name.toLowerCase() === deploymentName.toLowerCase())
    : undefined;
  if (deploymentName && !deployment) {
    return {
      kind: "error",
      error: {
        code: "deployment_not_found",
        endpoint: endpoint.name,
        deployment: deploymentName,
        known: endpoint.deployments.map((d) => d.name),
      },
    };
  }
  if (!source) {
    const samples = await ctx.store.listSamples(endpoint.name);
    return {
      kind: "error",
      error: { code: "no_payload", endpoint: endpoint.name, samples: samples.map((s) => s.name) },
    };
  }
  const payload = await readPayload(ctx, endpoint.name, source);
  if (!payload.ok) return { kind: "error", error: payload.error };

  const result = await ctx.workspace.invoke({
    endpoint: endpoint.name,
    ...(deployment ? { deployment: deployment.name } : {}),
    body: payload.value.json,
  });
  if (!result.ok) return { kind: "error", error: result.error };
  return {
    kind: "card",
    card: "invoke-result",
    data: invokeView(
      endpoint.name,
      deployment?.name,
      payload.value.source,
      result.value,
      ctx.limits.responsePreviewChars,
    ),
  };
}

function invokeView(
  endpoint: string,
  targeted: string | undefined,
  payloadSource: string,
  r: InvokeResult,
  previewChars: number,
): InvokeResultView {
  const pretty = prettyJson(r.body);
  const truncated = pretty.length > previewChars;
  return {
    endpoint: escapeMarkdown(endpoint),
    deployment: escapeMarkdown(r.deployment ?? targeted ?? "(none)"),
    targeted: targeted !== undefined,
    status: r.status,
    ok: r.status >= 200 && r.status < 300,
    statusText: escapeMarkdown(statusText(r)),
    latencyMs: Math.round(r.latencyMs),
    payloadSource: escapeMarkdown(payloadSource),
    // A RichTextBlock TextRun: not Markdown, so the text goes as it is.
    response: truncated ? pretty.slice(0, previewChars) : pretty,
    truncatedNote: truncated
      ? `Showing the first ${previewChars.toLocaleString("en-US")} of ${pretty.length.toLocaleString("en-US")} characters.`
      : "",
    predictions: r.status === 200 ? predictions(r.body) : [],
  };
}

function statusText(r: InvokeResult): string {
  switch (r.status) {
    case 200:
      return "200 OK";
    case 401:
      return "401 Unauthorized: the endpoint refused GreenLight's credential";
    case 404:
      return "404 Not found: no deployment takes traffic (or the deployment is gone)";
    case 408:
      return "408 Timed out: the model took longer than the deployment's request timeout";
    case 424:
      return `424 Model error: the scoring container answered ${r.modelErrorStatus ?? "an error"}`;
    case 429:
      return "429 Too many requests: the deployment is at its concurrency limit";
    default:
      return `${r.status}`;
  }
}

/**
 * The answer as a person reads it: JSON indented; a scoring error's message as plain text (Azure ML's front door and
 * the inference server answer `{"message": "…"}`, and MLflow servers `{"error": "…"}`), not as an escaped JSON string.
 */
function prettyJson(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof parsed === "string") return parsed;
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    const fields = Object.entries(parsed as Record<string, unknown>);
    const [only] = fields;
    if (fields.length === 1 && only && typeof only[1] === "string" && /^(message|error|detail)$/i.test(only[0])) {
      return only[1];
    }
  }
  return JSON.stringify(parsed, null, 2);
}

/** Labels (and probabilities) when the answer looks like a classifier's: records with `label`, or bare labels. */
function predictions(body: string): InvokeResultView["predictions"] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const rows: InvokeResultView["predictions"] = [];
  for (const [row, item] of parsed.slice(0, MAX_PREDICTIONS).entries()) {
    if (typeof item === "number" || typeof item === "string") {
      rows.push({ row, label: String(item), probability: "" });
    } else if (item && typeof item === "object" && "label" in item) {
      const { label, probability } = item as { label: unknown; probability?: unknown };
      rows.push({
        row,
        label: escapeMarkdown(String(label)),
        probability: typeof probability === "number" ? probability.toFixed(3) : "",
      });
    } else {
      return [];
    }
  }
  return rows;
}
