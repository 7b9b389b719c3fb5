import http from "node:http";
import net from "node:net";

/**
 * Polls `url` (plain HTTP) until it answers with a status that `accept` likes. Rejects after `timeoutMs` or when
 * `signal` aborts.
 */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; signal: AbortSignal; accept?: (status: number) => boolean; what: string },
): Promise<void> {
  const accept = options.accept ?? (() => true);
  const deadline = Date.now() + options.timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (options.signal.aborted) throw new Error(`stopped while waiting for ${options.what}`);
    const status = await httpStatus(url).catch((error: unknown) => {
      last = error instanceof Error ? error.message : String(error);
      return undefined;
    });
    if (status !== undefined) {
      if (accept(status)) return;
      last = `HTTP ${status}`;
    }
    // A refused local connection costs next to nothing: a short interval shows the URLs as soon as all are up.
    await sleep(50, options.signal);
  }
  throw new Error(`${options.what} did not answer at ${url} within ${options.timeoutMs / 1000} s (${last})`);
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Whether nothing listens on `port` yet: we briefly listen there ourselves. `host` undefined = all interfaces, which
 * is how the Agents Playground listens (and it silently takes a random port when its port is busy).
 */
export function isPortFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, ...(host ? { host } : {}), exclusive: true }, () => server.close(() => resolve(true)));
  });
}
