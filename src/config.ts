import { z } from "zod";
import type { TenantRule } from "./core/access/roles.js";
import type { ChannelAddress } from "./ports/notifier.js";
import { TEAMS_FILE_HOSTS } from "./teams/attachments.js";

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

/** A whole number from `min` to `max`. */
const integer = (min: number, max: number, byDefault: number) =>
  z.coerce.number().int().min(min).max(max).default(byDefault);

/** A whole number from `min` to `max`, or undefined when unset or empty (the mode then picks the default). */
const optionalInteger = (min: number, max: number) =>
  optionalString.pipe(z.coerce.number<string | undefined>().int().min(min).max(max).optional());

/** A comma-separated list (spaces and empty items ignored), each item checked by `item`. */
function commaList(item: z.ZodString, byDefault: readonly string[] = []) {
  return z
    .string()
    .default(byDefault.join(","))
    .transform((v) =>
      v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));
}

/** GreenLight's environment, parsed once at start. Every variable is documented in `.env.example`. */
const envSchema = z.object({
  /** Where the bot listens: `POST /api/messages`. */
  PORT: integer(0, 65535, 3978),
  BOT_HOST: z.string().default("127.0.0.1"),
  /** Bot registration. Empty app id = local mode: no Bot Framework auth (the Agents Playground). */
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppTenantId: optionalString,
  MicrosoftAppType: z.enum(["MultiTenant", "SingleTenant", "UserAssignedMSI"]).optional(),
  /** Azure ML workspace. All three set = Azure mode; none = the local workspace. */
  AZURE_SUBSCRIPTION_ID: optionalString,
  AZURE_RESOURCE_GROUP: optionalString,
  AZURE_ML_WORKSPACE: optionalString,
  /** ARM endpoint for sovereign clouds. */
  AZURE_ARM_ENDPOINT: z.url().default("https://management.azure.com"),
  /** The local workspace (emulator) the bot talks to in local mode. */
  LOCAL_WORKSPACE_URL: z.url().default("https://127.0.0.1:8443"),
  /** The local workspace's ARM id (the emulator seeds this one). */
  LOCAL_WORKSPACE_ID: z
    .string()
    .regex(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+$/i,
    )
    .default(
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/greenlight-local/providers/Microsoft.MachineLearningServices/workspaces/local",
    ),
  EMULATOR_DATA_DIR: z.string().min(1).default(".data/emulator"),
  /** PostgreSQL connection string; PGlite in DATA_DIR when empty. */
  DATABASE_URL: optionalString,
  DATA_DIR: z.string().min(1).default(".data"),
  /** PGlite's page cache (PostgreSQL shared_buffers, MB), allocated and touched when the bot starts. */
  PGLITE_SHARED_BUFFERS_MB: integer(1, 1024, 16),
  /**
   * The Entra tenants whose people may hold roles (comma-separated tenant ids); people of any other tenant hold none.
   * Empty: the bot's own tenant (MicrosoftAppTenantId) in Azure mode; any tenant in local mode, where `npm start` sets
   * it to the Playgrounds' tenants.
   */
  ALLOWED_TENANT_IDS: commaList(
    z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "a tenant id (a GUID)"),
  ),
  /** Roles file (JSON): users by Entra object id or UPN, and the roles of unknown users. */
  ROLES_FILE: optionalString,
  /** The release channel: where approvals and rollout notifications go until `subscribe` names others. */
  RELEASE_CHANNEL_ID: optionalString,
  RELEASE_CHANNEL_SERVICE_URL: optionalString,
  RELEASE_CHANNEL_TENANT_ID: optionalString,
  /** How long GreenLight waits for a scoring answer. */
  INVOKE_TIMEOUT_MS: integer(100, 300_000, 30_000),
  /** Largest JSON payload GreenLight stores or sends. */
  MAX_PAYLOAD_BYTES: integer(1024, 10 * 1024 * 1024, 256 * 1024),
  /** Parallel ARM calls per command. */
  ARM_CONCURRENCY: integer(1, 64, 8),
  /** Longest one ARM request (with its retries) may take before the command says Azure did not answer. */
  ARM_TIMEOUT_MS: integer(100, 600_000, 30_000),
  /** How long a card click may work before Teams is answered and the card is finished in the background. */
  CARD_ANSWER_BUDGET_MS: integer(100, 4500, 2500),
  /** Hosts attached files may be downloaded from (comma-separated; `*.` matches subdomains): where Teams stores files. */
  ATTACHMENT_HOSTS: commaList(
    z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, "a host name, or *.domain for its subdomains"),
    TEAMS_FILE_HOSTS,
  ),
  /** How long a rollout waits for an approval before it expires (and its starting traffic is put back). */
  APPROVAL_TTL_SECONDS: integer(1, 30 * 24 * 3600, 24 * 3600),
  /**
   * How long each step bakes (the gates watch the new deployment) before the next approval is asked for; an endpoint's
   * `greenlight-bake` tag overrides it. Default 600 in Azure mode, 240 with the local workspace.
   */
  ROLLOUT_BAKE_SECONDS: optionalInteger(0, 24 * 3600),
  /**
   * How old a minute of Azure Monitor's metrics must be before the gates read it: Azure aggregates the newest minutes
   * late. Default 180 in Azure mode, 60 with the local workspace (whose delay `npm start` sets to 60 s).
   */
  METRICS_DELAY_SECONDS: optionalInteger(0, 3600),
  /** Requests to the new deployment a gate window needs for a verdict; fewer is inconclusive, never a pass. */
  GATE_MIN_REQUESTS: integer(1, 100_000, 50),
  /**
   * How often the rollout worker looks at a running Azure operation: Azure's Retry-After when it asks for more, and
   * the first look waits as long as the last operation of the same kind took (Azure gives a traffic update none).
   */
  ROLLOUT_POLL_MS: integer(50, 60_000, 1000),
  /** How often each bot instance asks the store for rollout work and messages other instances left due. */
  WORKER_IDLE_MS: integer(50, 60_000, 500),
  /**
   * Rollouts one bot instance drives at once. A drive holds its place while it follows an Azure operation (minutes), so
   * more rollouts than this in flight make an approved step wait for one to end.
   */
  WORKER_MAX_ROLLOUTS: integer(1, 1000, 100),
  /**
   * How long a bot instance's lease on its work lasts: a rollout or a deletion request (renewed while it drives it), or
   * an outbox message. After a crash, another instance, or the restarted one, takes the work over once the lease ran
   * out. Read from ROLLOUT_LEASE_MS, its former name, when unset.
   */
  WORKER_LEASE_MS: integer(500, 3_600_000, 60_000),
  /**
   * How long a stopping instance (SIGTERM) may take. It finishes the Azure action in progress for each rollout it
   * holds, gives those rollouts and its unsent messages back to the other instances at once, and exits; an action still
   * running near the end is abandoned (the next instance reads its result from Azure). Keep it under the platform's
   * limit between SIGTERM and SIGKILL (App Service: WEBSITES_CONTAINER_STOP_TIME_LIMIT, which infra/ sets to 30 s).
   */
  SHUTDOWN_TIMEOUT_MS: integer(1000, 600_000, 25_000),
  /** PostgreSQL: how long to wait for a connection, and the longest one statement may run. */
  DATABASE_CONNECT_TIMEOUT_MS: integer(100, 120_000, 10_000),
  DATABASE_STATEMENT_TIMEOUT_MS: integer(100, 600_000, 30_000),
  /**
   * Azure mode without MicrosoftAppId would let anyone who reaches the port act as any user, admins included. GreenLight
   * refuses to start that way unless this is exactly `yes-anyone-who-reaches-the-port-can-act-as-any-user`.
   */
  INSECURE_ALLOW_UNAUTHENTICATED_BOT: optionalString,
});

/** The only value of INSECURE_ALLOW_UNAUTHENTICATED_BOT that switches Bot Framework auth off in Azure mode. */
export const UNAUTHENTICATED_OPT_OUT = "yes-anyone-who-reaches-the-port-can-act-as-any-user";

export type Env = z.output<typeof envSchema>;

/** Every variable the bot reads (`.env.example` documents each). */
export const ENV_VARIABLES = Object.keys(envSchema.shape);

export type WorkspaceConfig =
  | { mode: "azure"; subscriptionId: string; resourceGroup: string; workspace: string; armEndpoint: string }
  | {
      mode: "local";
      subscriptionId: string;
      resourceGroup: string;
      workspace: string;
      url: string;
      caCertPath: string;
    };

export interface Config {
  env: Env;
  workspace: WorkspaceConfig;
  releaseChannel?: ChannelAddress;
  rolesFile: string;
  /** Whose people may hold roles. */
  tenants: TenantRule;
  auth: { appId?: string; enabled: boolean };
  /** Each step's bake, the metrics' delay, and the requests a gate needs, with the mode's defaults filled in. */
  gates: { bakeMs: number; metricsDelayMs: number; minRequests: number };
}

/** Thrown with a message that names the variable to fix. */
export class ConfigError extends Error {}

export function loadConfig(source: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse({
    ...source,
    WORKER_LEASE_MS: source["WORKER_LEASE_MS"] ?? source["ROLLOUT_LEASE_MS"],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join(".") ?? "?";
    throw new ConfigError(`Environment variable ${name} is invalid: ${issue?.message}. See .env.example.`);
  }
  const env = parsed.data;
  const azure = {
    AZURE_SUBSCRIPTION_ID: env.AZURE_SUBSCRIPTION_ID,
    AZURE_RESOURCE_GROUP: env.AZURE_RESOURCE_GROUP,
    AZURE_ML_WORKSPACE: env.AZURE_ML_WORKSPACE,
  };
  const missing = Object.entries(azure)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0 && missing.length < 3) {
    throw new ConfigError(
      `Azure mode needs AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZURE_ML_WORKSPACE; missing ${missing.join(", ")}. ` +
        `Set them all, or none for the local workspace.`,
    );
  }
  const workspace: WorkspaceConfig =
    missing.length === 0
      ? {
          mode: "azure",
          subscriptionId: env.AZURE_SUBSCRIPTION_ID ?? "",
          resourceGroup: env.AZURE_RESOURCE_GROUP ?? "",
          workspace: env.AZURE_ML_WORKSPACE ?? "",
          armEndpoint: env.AZURE_ARM_ENDPOINT,
        }
      : {
          mode: "local",
          ...workspaceIdParts(env.LOCAL_WORKSPACE_ID),
          url: env.LOCAL_WORKSPACE_URL,
          caCertPath: `${env.EMULATOR_DATA_DIR}/tls/ca.pem`,
        };
  if (
    workspace.mode === "azure" &&
    !env.MicrosoftAppId &&
    env.INSECURE_ALLOW_UNAUTHENTICATED_BOT !== UNAUTHENTICATED_OPT_OUT
  ) {
    throw new ConfigError(
      "MicrosoftAppId is required in Azure mode: without it Bot Framework auth is off and anyone who reaches the port " +
        "can act as any user, admins included. Set MicrosoftAppId (and the bot's credentials), or, only on a network " +
        `nobody else reaches, INSECURE_ALLOW_UNAUTHENTICATED_BOT=${UNAUTHENTICATED_OPT_OUT}.`,
    );
  }
  if (workspace.mode === "azure" && !env.ROLES_FILE) {
    throw new ConfigError("ROLES_FILE is required in Azure mode: the JSON file that gives users their roles.");
  }
  if (Boolean(env.RELEASE_CHANNEL_ID) !== Boolean(env.RELEASE_CHANNEL_SERVICE_URL)) {
    throw new ConfigError("Set RELEASE_CHANNEL_ID and RELEASE_CHANNEL_SERVICE_URL together (or neither).");
  }
  const releaseChannel: ChannelAddress | undefined =
    env.RELEASE_CHANNEL_ID && env.RELEASE_CHANNEL_SERVICE_URL
      ? {
          channelId: env.RELEASE_CHANNEL_ID,
          serviceUrl: env.RELEASE_CHANNEL_SERVICE_URL,
          ...(env.RELEASE_CHANNEL_TENANT_ID ? { tenantId: env.RELEASE_CHANNEL_TENANT_ID } : {}),
        }
      : undefined;
  const tenants = tenantRule(env, workspace.mode);
  if (
    releaseChannel?.tenantId &&
    tenants.kind === "list" &&
    !tenants.tenants.some((t) => t.toLowerCase() === releaseChannel.tenantId?.toLowerCase())
  ) {
    throw new ConfigError(
      `RELEASE_CHANNEL_TENANT_ID ${releaseChannel.tenantId} is not one of the tenants GreenLight serves (ALLOWED_TENANT_IDS): approval cards would go to people who hold no role there.`,
    );
  }
  return {
    env,
    workspace,
    tenants,
    ...(releaseChannel ? { releaseChannel } : {}),
    rolesFile: env.ROLES_FILE ?? "config/roles.local.json",
    gates: {
      bakeMs: (env.ROLLOUT_BAKE_SECONDS ?? (workspace.mode === "azure" ? 600 : 240)) * 1000,
      metricsDelayMs: (env.METRICS_DELAY_SECONDS ?? (workspace.mode === "azure" ? 180 : 60)) * 1000,
      minRequests: env.GATE_MIN_REQUESTS,
    },
    auth: { ...(env.MicrosoftAppId ? { appId: env.MicrosoftAppId } : {}), enabled: Boolean(env.MicrosoftAppId) },
  };
}

function tenantRule(env: Env, mode: WorkspaceConfig["mode"]): TenantRule {
  if (env.ALLOWED_TENANT_IDS.length > 0) return { kind: "list", tenants: env.ALLOWED_TENANT_IDS };
  if (env.MicrosoftAppTenantId) return { kind: "list", tenants: [env.MicrosoftAppTenantId] };
  if (mode === "local") return { kind: "any" };
  throw new ConfigError(
    "Azure mode needs to know whose people may use GreenLight: set ALLOWED_TENANT_IDS (comma-separated Entra tenant " +
      "ids), or MicrosoftAppTenantId for the bot's own tenant. People of other tenants hold no role.",
  );
}

function workspaceIdParts(id: string): { subscriptionId: string; resourceGroup: string; workspace: string } {
  const [, , subscriptionId = "", , resourceGroup = "", , , , workspace = ""] = id.split("/");
  return { subscriptionId, resourceGroup, workspace };
}
