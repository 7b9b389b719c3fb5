import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";

/** A scoring answer, whatever its status. */
export interface ScoringAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** From sending the request that was answered to the end of its answer. */
  latencyMs: number;
}

/** The scoring URI did not answer in time. */
export class ScoringTimeoutError extends Error {
  override readonly name = "ScoringTimeoutError";
}

/**
 * The scoring URI could not be reached, or the connection broke before its whole answer arrived. The message says
 * how, from the endpoint's side ("connection reset by the endpoint"); `cause` is Node's error.
 */
export class ScoringNetworkError extends Error {
  override readonly name = "ScoringNetworkError";
}

// Enough for any answer worth showing in a chat; a bigger body is cut here rather than held in memory.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * POSTs a JSON body to a scoring URI. Any HTTP status is an answer; no answer within `timeoutMs` rejects with
 * {@link ScoringTimeoutError}, a network failure with {@link ScoringNetworkError}.
 */
export async function postScoring(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { agent: Agent | undefined; timeoutMs: number },
): Promise<ScoringAnswer> {
  const target = new URL(url);
  const deadline = performance.now() + options.timeoutMs;
  const pooled = target.protocol === "https:" && options.agent ? { agent: options.agent } : {};
  try {
    return await send(target, body, headers, pooled, { deadline, timeoutMs: options.timeoutMs, retried: false });
  } catch (error) {
    if (!(error instanceof StaleConnection)) throw error;
  }
  // A kept-alive connection that resets before a byte of answer is one the endpoint closed as idle (Node's server and
  // Azure's front door both do) just as the request went out on it: it was not scored, so it goes once more, on a new
  // connection. Any other failure is final, since the endpoint may have scored the request already.
  const ca = options.agent?.options.ca;
  const fresh = { agent: false as const, ...(ca !== undefined ? { ca } : {}) };
  return send(target, body, headers, fresh, { deadline, timeoutMs: options.timeoutMs, retried: true });
}

/** A reused connection reset before any answer came back (not seen outside this file). */
class StaleConnection extends Error {}

type Connection = { agent?: Agent | false; ca?: NonNullable<Agent["options"]["ca"]> };

function send(
  target: URL,
  body: string,
  headers: Record<string, string>,
  connection: Connection,
  limits: { deadline: number; timeoutMs: number; retried: boolean },
): Promise<ScoringAnswer> {
  const request = target.protocol === "http:" ? httpRequest : httpsRequest;
  const started = performance.now();
  return new Promise<ScoringAnswer>((resolve, reject) => {
    let timedOut = false;
    let socket: Socket | undefined;
    let answerBytes = 0;
    const countAnswer = (chunk: Buffer): void => {
      answerBytes += chunk.length;
    };
    const done = (): void => {
      clearTimeout(timer);
      socket?.off("data", countAnswer);
    };
    const fail = (error: Error): void => {
      done();
      if (timedOut) reject(new ScoringTimeoutError(`no answer within ${limits.timeoutMs} ms`));
      else if (req.reusedSocket && answerBytes === 0 && isReset(error)) reject(new StaleConnection());
      else reject(new ScoringNetworkError(describeFailure(error, answerBytes > 0, limits.retried), { cause: error }));
    };
    const req = request(
      target,
      {
        method: "POST",
        ...connection,
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
          done();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            latencyMs: performance.now() - started,
          });
        });
      },
    );
    // What the socket receives for this request (decrypted, over TLS): its answer, or nothing before a reset.
    req.on("socket", (s) => {
      socket = s;
      s.on("data", countAnswer);
    });
    const timer = setTimeout(
      () => {
        timedOut = true;
        req.destroy();
        fail(new ScoringTimeoutError(`no answer within ${limits.timeoutMs} ms`));
      },
      Math.max(0, limits.deadline - performance.now()),
    );
    req.on("error", fail);
    req.end(body);
  });
}

function isReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ECONNRESET" || code === "EPIPE";
}

const NETWORK_FAILURES: Record<string, string> = {
  ECONNRESET: "connection reset by the endpoint",
  EPIPE: "connection reset by the endpoint",
  ECONNREFUSED: "connection refused by the endpoint",
  ENOTFOUND: "the endpoint's host was not found",
  EAI_AGAIN: "the endpoint's host was not found",
  ETIMEDOUT: "the connection to the endpoint timed out",
  EHOSTUNREACH: "the endpoint is unreachable",
  ENETUNREACH: "the endpoint is unreachable",
  CERT_HAS_EXPIRED: "the endpoint's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the endpoint's TLS certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the endpoint's TLS certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the endpoint's TLS certificate is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the endpoint's TLS certificate is not trusted",
  ERR_TLS_CERT_ALTNAME_INVALID: "the endpoint's TLS certificate does not name its host",
};

/** "connection reset by the endpoint", and when: while it was answering, or on the retry's new connection too. */
function describeFailure(error: Error, answering: boolean, retried: boolean): string {
  const code = (error as NodeJS.ErrnoException).code;
  const what =
    (code !== undefined ? NETWORK_FAILURES[code] : undefined) ??
    `network failure talking to the endpoint (${code ?? error.message})`;
  if (answering) return `${what} while it was answering`;
  return retried ? `${what}, also on a new connection` : what;
}
