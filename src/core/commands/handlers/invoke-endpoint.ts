import type { InvokeResult } from "../../../ports/workspace.js";
import type { InvokeResultView } from "../../views/views.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import type { PayloadSource } from "../../vocabulary/command.js";
import { escapeMarkdown } from "../../views/markdown.js";
import { readPayload } from "./payload.js";
import { describeStatus, readPredictions, readableBody } from "../../scoring/scoring-answer.js";

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
  const pretty = readableBody(r.body);
  const truncated = pretty.length > previewChars;
  return {
    endpoint: escapeMarkdown(endpoint),
    deployment: escapeMarkdown(r.deployment ?? targeted ?? "(none)"),
    targeted: targeted !== undefined,
    status: r.status,
    ok: r.status >= 200 && r.status < 300,
    statusText: escapeMarkdown(describeStatus(r)),
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

/** Labels (and probabilities) when the answer reads as a classifier's: records with `label`, or bare labels. */
function predictions(body: string): InvokeResultView["predictions"] {
  const rows = readPredictions(body)?.slice(0, MAX_PREDICTIONS) ?? [];
  const shown: InvokeResultView["predictions"] = [];
  for (const [row, { label, numbers }] of rows.entries()) {
    const text = label ?? (numbers.value !== undefined ? String(numbers.value) : undefined);
    if (text === undefined) return [];
    const { probability } = numbers;
    shown.push({
      row,
      label: escapeMarkdown(text),
      probability: probability !== undefined ? probability.toFixed(3) : "",
    });
  }
  return shown;
}
