import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";

/** The Entra scope of Azure ML scoring (`aud: https://ml.azure.com`, reference §6). */
export const ML_SCOPE = "https://ml.azure.com/.default";

/** A bearer secret for a scoring call, and whether it came from the cache (so a 401 may mean it rotated). */
export interface ScoringSecret {
  secret: string;
  cached: boolean;
}

interface Entry {
  secret: Promise<string | undefined>;
  expiresAt: number;
}

/**
 * The bearer secret for each endpoint's scoring URI: its primary key (Key), an AML token (AMLToken), or an Entra
 * token (AADToken). Keys and AML tokens are cached per endpoint for `ttlMs` so an invoke costs one ARM call, not two.
 * Secrets stay in this object: nothing here logs them or puts them in an error.
 */
export class EndpointCredentials {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly client: AzureMachineLearningWorkspaces,
    private readonly resourceGroup: string,
    private readonly workspaceName: string,
    private readonly credential: TokenCredential,
    private readonly ttlMs: number,
  ) {}

  /** Undefined when Azure or the credential gave no secret. */
  async get(endpoint: string, authMode: "Key" | "AMLToken" | "AADToken"): Promise<ScoringSecret | undefined> {
    if (authMode === "AADToken") {
      // The credential caches and refreshes its own tokens.
      const token = await this.credential.getToken(ML_SCOPE);
      return token ? { secret: token.token, cached: false } : undefined;
    }
    const key = `${authMode}/${endpoint.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) {
      const secret = await hit.secret;
      return secret === undefined ? undefined : { secret, cached: true };
    }
    // The promise is cached, so concurrent invokes of a cold endpoint share one listKeys call.
    const entry: Entry = {
      secret: this.fetch(endpoint, authMode, (at) => (entry.expiresAt = at)),
      expiresAt: Infinity,
    };
    this.cache.set(key, entry);
    try {
      const secret = await entry.secret;
      if (secret === undefined) this.cache.delete(key);
      return secret === undefined ? undefined : { secret, cached: false };
    } catch (error) {
      this.cache.delete(key);
      throw error;
    }
  }

  /** Forgets an endpoint's cached secret (after a 401: keys rotate). */
  drop(endpoint: string): void {
    for (const mode of ["Key", "AMLToken"]) this.cache.delete(`${mode}/${endpoint.toLowerCase()}`);
  }

  private async fetch(
    endpoint: string,
    authMode: "Key" | "AMLToken",
    expireAt: (at: number) => void,
  ): Promise<string | undefined> {
    const until = Date.now() + this.ttlMs;
    if (authMode === "Key") {
      const keys = await this.client.onlineEndpoints.listKeys(this.resourceGroup, this.workspaceName, endpoint);
      expireAt(until);
      return keys.primaryKey ?? keys.secondaryKey ?? undefined;
    }
    const token = await this.client.onlineEndpoints.getToken(this.resourceGroup, this.workspaceName, endpoint);
    // Epoch seconds (reference §3.3); renew at refreshAfter, and never past the cache's own lifetime.
    const refreshAt = (token.refreshAfterTimeUtc ?? token.expiryTimeUtc ?? 0) * 1000;
    expireAt(Math.min(until, refreshAt > 0 ? refreshAt : until));
    return token.accessToken ?? undefined;
  }
}
