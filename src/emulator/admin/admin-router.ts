import type { IncomingMessage, ServerResponse } from "node:http";
import type { ScoringRouter } from "../data-plane/scoring-router.js";
import { faultSchema } from "../faults.js";
import { readBody, sendJson } from "../http/http-io.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { SeedSample } from "../seed/seed-workspace.js";

/**
 * Emulator-only routes under `/_emulator` (not part of Azure): fault injection, per-deployment counters, the log of
 * accepted ARM writes per endpoint, and the seeded sample payloads.
 */
export function createAdminRouter(ws: LocalWorkspace, scoring: ScoringRouter, samples: Record<string, SeedSample[]>) {
  return async (req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> => {
    const [, first, second, third] = segments;
    const method = req.method ?? "GET";
    if (first === "health" && method === "GET") return sendJson(res, 200, { status: "ok" });
    if (first === "faults" && method === "POST") {
      let raw: unknown;
      try {
        raw = JSON.parse(await readBody(req, 64 * 1024));
      } catch {
        return sendJson(res, 400, { message: "Body must be JSON." });
      }
      const parsed = faultSchema.safeParse(raw);
      if (!parsed.success) return sendJson(res, 400, { message: parsed.error.message });
      ws.faults.add(parsed.data);
      ws.log(`fault injected: ${parsed.data.kind}`);
      return sendJson(res, 204, undefined);
    }
    if (first === "faults" && method === "DELETE") {
      ws.faults.clear();
      return sendJson(res, 204, undefined);
    }
    if (first === "samples" && !second && method === "GET") {
      const value = Object.entries(samples).flatMap(([endpoint, list]) => {
        const stored = ws.findEndpoint(endpoint);
        return stored ? list.map((sample) => ({ endpoint: stored.name, ...sample })) : [];
      });
      return sendJson(res, 200, { value });
    }
    if (first === "endpoints" && second && third === "writes" && method === "GET") {
      // Answered for a deleted endpoint too: its deletion is one of the writes.
      return sendJson(res, 200, { endpoint: second, value: ws.writes.of(second) });
    }
    if (first === "endpoints" && second && method === "GET") {
      if (!ws.findEndpoint(second)) return sendJson(res, 404, { message: `Endpoint ${second} not found.` });
      if (third === "metrics") return sendJson(res, 200, { endpoint: second, deployments: scoring.metrics(second) });
      if (third === "samples") return sendJson(res, 200, { value: samples[second.toLowerCase()] ?? [] });
    }
    return sendJson(res, 404, { message: `No emulator route for ${method} ${segments.join("/")}.` });
  };
}
