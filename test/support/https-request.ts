import { Agent, request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";

/** An HTTPS answer with its body read as text (and parsed, when it is JSON). */
export interface HttpsAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

/** A small HTTPS client that trusts one CA (the emulator's) over a keep-alive agent; Node 20's fetch cannot. */
export interface HttpsClient {
  send(options: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    /** Serialised as JSON unless it is already a string. */
    body?: unknown;
  }): Promise<HttpsAnswer>;
  close(): void;
}

export function httpsClient(caCertPem: string): HttpsClient {
  const agent = new Agent({ keepAlive: true, ca: caCertPem });
  return {
    send({ method = "GET", url, headers = {}, body }) {
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      return new Promise<HttpsAnswer>((resolve, reject) => {
        const req = request(
          url,
          {
            method,
            agent,
            headers: {
              ...(payload === undefined
                ? {}
                : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("error", reject);
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let json: unknown;
              try {
                json = text === "" ? undefined : (JSON.parse(text) as unknown);
              } catch {
                json = undefined;
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
            });
          },
        );
        req.on("error", reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
