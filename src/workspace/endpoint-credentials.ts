import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";
import { ExpiringCache, type Loaded } from "./expiring-cache.js";

/** The Entra scope of Azure ML scoring (`aud: https://ml.azure.com`, reference §6). */
export const ML_SCOPE = "https://ml.azure.com/.default";

/** A bearer secret for a scoring call, and whether it came from the cache (so a 401 may mean it rotated). */
export interface ScoringSecret {
  secret: string;
  cached: boolean;
}

const CACHED_MODES = ["Key", "AMLToken"] as const;

/**
 * The bearer secret for each endpoint's scoring URI: its primary key (Key), an AML token (AMLToken), or an Entra
 * token (AADToken). Keys and AML tokens are cached per endpoint for `ttlMs` so an invoke costs no ARM call once warm.
 * Secrets stay in this object: nothing here logs them or puts them in an error.
 */
export class EndpointCredentials {
  private readonly cache = new ExpiringCache<string | undefined>();

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
    const { value, cached } = await this.cache.get(keyOf(authMode, endpoint), () => this.fetch(endpoint, authMode));
    return value === undefined ? undefined : { secret: value, cached };
  }

  /** Forgets an endpoint's cached secret (after a 401: keys rotate). */
  drop(endpoint: string): void {
    for (const mode of CACHED_MODES) this.cache.delete(keyOf(mode, endpoint));
  }

  private async fetch(endpoint: string, authMode: "Key" | "AMLToken"): Promise<Loaded<string | undefined>> {
    const until = Date.now() + this.ttlMs;
    if (authMode === "Key") {
      const keys = await this.client.onlineEndpoints.listKeys(this.resourceGroup, this.workspaceName, endpoint);
      return kept(keys.primaryKey ?? keys.secondaryKey ?? undefined, until);
    }
    const token = await this.client.onlineEndpoints.getToken(this.resourceGroup, this.workspaceName, endpoint);
    // Epoch seconds (reference §3.3); renew at refreshAfter, and never past the cache's own lifetime.
    const refreshAt = (token.refreshAfterTimeUtc ?? token.expiryTimeUtc ?? 0) * 1000;
    return kept(token.accessToken ?? undefined, Math.min(until, refreshAt > 0 ? refreshAt : until));
  }
}

const keyOf = (mode: (typeof CACHED_MODES)[number], endpoint: string): string => `${mode}/${endpoint.toLowerCase()}`;

/** No secret is not kept: the next invoke asks Azure again. */
const kept = (secret: string | undefined, until: number): Loaded<string | undefined> => ({
  value: secret,
  keepUntil: secret === undefined ? 0 : until,
});
