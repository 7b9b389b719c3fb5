// A local HTTPS server on 127.0.0.1 standing in for management.azure.com's metrics route, for the Azure Monitor
// contract of the ARM adapter: it records every request as it arrived on the wire (path, query, Authorization) and
// answers what the case says. Its certificate is signed by a CA of its own, trusted by the client only through
// createArmClient's `caCertPem`, as the emulator's is.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTlsMaterial } from "../../src/emulator/tls.js";

export interface ReceivedRequest {
  method: string;
  /** The path exactly as sent, before any normalisation (a double slash stays double). */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export interface StandInAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the stand-in answers a request with; the default answers 404 to everything. */
export type Answering = (request: ReceivedRequest) => StandInAnswer;

export class AzureMonitorStandIn {
  readonly requests: ReceivedRequest[] = [];
  answering: Answering = () => ({ status: 404, body: { error: { code: "NotFound", message: "no answer set" } } });
  caCertPem = "";
  private server: Server | undefined;
  private dir = "";

  get url(): string {
    return `https://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), "greenlight-azure-monitor-"));
    const tls = ensureTlsMaterial(this.dir);
    this.caCertPem = tls.caCertPem;
    this.server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
      const raw = req.url ?? "/";
      const queryAt = raw.indexOf("?");
      const request: ReceivedRequest = {
        method: req.method ?? "",
        path: queryAt === -1 ? raw : raw.slice(0, queryAt),
        query: new URLSearchParams(queryAt === -1 ? "" : raw.slice(queryAt + 1)),
        authorization: req.headers.authorization,
      };
      this.requests.push(request);
      const answer = this.answering(request);
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  /** Forgets the requests and answers 404 again. */
  reset(): void {
    this.requests.length = 0;
    this.answering = () => ({ status: 404, body: { error: { code: "NotFound", message: "no answer set" } } });
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
