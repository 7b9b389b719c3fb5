import type { IncomingMessage, ServerResponse } from "node:http";

/** Thrown when a request body exceeds the configured limit. */
export class PayloadTooLargeError extends Error {}

/** Reads the whole request body as text, refusing more than `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > limitBytes) return refuse(req, limitBytes, reject);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) return refuse(req, limitBytes, reject);
      chunks.push(chunk);
    });
    req.on("end", () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}

function refuse(req: IncomingMessage, limitBytes: number, reject: (error: Error) => void): void {
  req.removeAllListeners("data");
  req.resume();
  reject(new PayloadTooLargeError(`Request body is larger than ${limitBytes} bytes.`));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
