import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { Agent, request as httpsRequest } from "node:https";

/** A scoring answer, whatever its status. */
export interface ScoringAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  latencyMs: number;
}

/** The scoring URI did not answer in time. */
export class ScoringTimeoutError extends Error {
  override readonly name = "ScoringTimeoutError";
}

// Enough for any answer worth showing in a chat; a bigger body is cut here rather than held in memory.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** POSTs a JSON body to a scoring URI. Network failures reject with Node's error (its `code` says what happened). */
export function postScoring(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { agent: Agent | undefined; timeoutMs: number },
): Promise<ScoringAnswer> {
  const started = performance.now();
  const target = new URL(url);
  const send = target.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise<ScoringAnswer>((resolve, reject) => {
    let timedOut = false;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(timedOut ? new ScoringTimeoutError(`no answer within ${options.timeoutMs} ms`) : error);
    };
    const req = send(
      target,
      {
        method: "POST",
        ...(target.protocol === "https:" && options.agent ? { agent: options.agent } : {}),
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
          size += chunk.length;
        });
        res.on("error", fail);
        res.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            latencyMs: performance.now() - started,
          });
        });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
      fail(new ScoringTimeoutError(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on("error", fail);
    req.end(body);
  });
}
