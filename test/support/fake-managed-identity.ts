// A local stand-in for App Service's managed identity endpoint, so a bot with MicrosoftAppType=UserAssignedMSI (what
// infra/ deploys) can get tokens for its replies offline. @azure/identity's ManagedIdentityCredential (through
// msal-node) finds it as on App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER, a plain-HTTP GET, api-version 2019-08-01.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What App Service sets for a managed identity. */
const SET = ["IDENTITY_ENDPOINT", "IDENTITY_HEADER"] as const;
/** What would make DefaultAzureCredential pick another credential (Environment, WorkloadIdentity) or MSI source. */
const CLEARED = [
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_USERNAME",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_TOKEN_CREDENTIALS",
  "MSI_ENDPOINT",
  "MSI_SECRET",
  "IDENTITY_SERVER_THUMBPRINT",
] as const;

/** A token request the endpoint answered or refused. */
export interface TokenRequest {
  resource: string | null;
  clientId: string | null;
  /** The token issued, when the request was valid. */
  issued?: string;
}

/**
 * Issues opaque bearer tokens to one user-assigned identity (`clientId`) for any resource. msal-node keeps the first
 * endpoint it sees for the life of the process, so start one per test file and keep it until the file ends.
 */
export class FakeManagedIdentity {
  readonly requests: TokenRequest[] = [];
  private readonly secret = randomBytes(16).toString("hex");
  private server: Server | undefined;
  private saved = new Map<string, string | undefined>();

  constructor(private readonly clientId: string) {}

  /** Every token handed out so far. */
  get issued(): string[] {
    return this.requests.flatMap((r) => (r.issued ? [r.issued] : []));
  }

  /** Starts the endpoint and makes this process look like an App Service with that identity. */
  async install(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const request: TokenRequest = {
        resource: url.searchParams.get("resource"),
        clientId: url.searchParams.get("client_id"),
      };
      this.requests.push(request);
      res.setHeader("content-type", "application/json");
      if (url.pathname !== "/msi/token" || req.method !== "GET") {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: "not_found" }));
        return;
      }
      if (req.headers["x-identity-header"] !== this.secret || url.searchParams.get("api-version") !== "2019-08-01") {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: "invalid_request", error_description: "bad header or api-version" }));
        return;
      }
      if (request.clientId !== this.clientId || !request.resource) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: "invalid_request", error_description: "unknown identity or no resource" }));
        return;
      }
      request.issued = `msi-${randomBytes(24).toString("base64url")}`;
      res.end(
        JSON.stringify({
          access_token: request.issued,
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: request.resource,
          token_type: "Bearer",
          client_id: this.clientId,
        }),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", () => resolve()));
    const port = (this.server.address() as AddressInfo).port;
    for (const name of [...SET, ...CLEARED]) this.saved.set(name, process.env[name]);
    for (const name of CLEARED) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
    process.env.IDENTITY_HEADER = this.secret;
  }

  async uninstall(): Promise<void> {
    for (const [name, value] of this.saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
