import type { InvokeResult } from "../../../ports/workspace.js";
import type { InvokeResultView, Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";
import type { PayloadSource } from "../parse-command.js";
import { checkPayload } from "./payload.js";

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
  let payloadText: string;
  let payloadSource: string;
  if (!source) {
    const samples = await ctx.store.listSamples(endpoint.name);
    return {
      kind: "error",
      error: { code: "no_payload", endpoint: endpoint.name, samples: samples.map((s) => s.name) },
    };
  } else if (source.kind === "sample") {
    const sample = await ctx.store.getSample(endpoint.name, source.name);
    if (!sample) {
      const known = (await ctx.store.listSamples(endpoint.name)).map((s) => s.name);
      return {
        kind: "error",
        error: { code: "sample_not_found", endpoint: endpoint.name, sample: source.name, known },
      };
    }
    payloadText = sample.payload;
    payloadSource = `sample ${sample.name}`;
  } else {
    payloadText = source.text;
    payloadSource = source.kind === "attachment" ? `file ${source.name}` : "inline JSON";
  }
  const checked = checkPayload(payloadText, ctx.limits.maxPayloadBytes);
  if (!checked.ok) return { kind: "error", error: checked.error };

  const result = await ctx.workspace.invoke({
    endpoint: endpoint.name,
    ...(deployment ? { deployment: deployment.name } : {}),
    body: checked.value,
  });
  if (!result.ok) return { kind: "error", error: result.error };
  return {
    kind: "card",
    card: "invoke-result",
    data: invokeView(endpoint.name, deployment?.name, payloadSource, result.value, ctx.limits.responsePreviewChars),
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
    endpoint,
    deployment: r.deployment ?? targeted ?? "(none)",
    targeted: targeted !== undefined,
    status: r.status,
    ok: r.status >= 200 && r.status < 300,
    statusText: statusText(r),
    latencyMs: Math.round(r.latencyMs),
    payloadSource,
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

function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
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
        label: String(label),
        probability: typeof probability === "number" ? probability.toFixed(3) : "",
      });
    } else {
      return [];
    }
  }
  return rows;
}
