import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, UNAUTHENTICATED_OPT_OUT } from "../../src/config.js";

/** An Azure workspace, and a bot registration with its tenant: Azure mode's settings. */
const AZURE_WORKSPACE = { AZURE_SUBSCRIPTION_ID: "sub", AZURE_RESOURCE_GROUP: "rg", AZURE_ML_WORKSPACE: "ws" };
const AZURE_BOT = {
  MicrosoftAppId: "11111111-2222-3333-4444-555555555555",
  MicrosoftAppTenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
};

describe("configuration from the environment", () => {
  it("runs against the local workspace when no Azure workspace is set", () => {
    const config = loadConfig({});
    expect(config.workspace).toMatchObject({ mode: "local", workspace: "local", resourceGroup: "greenlight-local" });
    expect(config.auth.enabled).toBe(false);
  });

  it("uses Azure when subscription, resource group and workspace are all set, and then needs a roles file", () => {
    const azure = { ...AZURE_WORKSPACE, ...AZURE_BOT };
    expect(() => loadConfig(azure)).toThrow(/ROLES_FILE/);
    expect(loadConfig({ ...azure, ROLES_FILE: "roles.json" }).workspace).toMatchObject({
      mode: "azure",
      workspace: "ws",
    });
  });

  it("refuses Azure mode without Bot Framework auth unless the opt-out says exactly what it means", () => {
    const azure = {
      AZURE_SUBSCRIPTION_ID: "sub",
      AZURE_RESOURCE_GROUP: "rg",
      AZURE_ML_WORKSPACE: "ws",
      ROLES_FILE: "r.json",
      ALLOWED_TENANT_IDS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    };
    expect(() => loadConfig(azure)).toThrow(ConfigError);
    expect(() => loadConfig(azure)).toThrow(/MicrosoftAppId is required in Azure mode.*anyone who reaches the port/);
    expect(() => loadConfig({ ...azure, INSECURE_ALLOW_UNAUTHENTICATED_BOT: "true" })).toThrow(/MicrosoftAppId/);
    const optedOut = loadConfig({ ...azure, INSECURE_ALLOW_UNAUTHENTICATED_BOT: UNAUTHENTICATED_OPT_OUT });
    expect(optedOut.workspace.mode).toBe("azure");
    expect(optedOut.auth.enabled).toBe(false);
  });

  it("serves the tenants it is told to: a list, else the bot's own in Azure mode, and needs one of the two there", () => {
    const azure = {
      AZURE_SUBSCRIPTION_ID: "sub",
      AZURE_RESOURCE_GROUP: "rg",
      AZURE_ML_WORKSPACE: "ws",
      ROLES_FILE: "r.json",
      MicrosoftAppId: "11111111-2222-3333-4444-555555555555",
    };
    expect(() => loadConfig(azure)).toThrow(/ALLOWED_TENANT_IDS.*MicrosoftAppTenantId/);
    expect(loadConfig({ ...azure, MicrosoftAppTenantId: "aaaaaaaa-0000-4000-8000-000000000001" }).tenants).toEqual({
      kind: "list",
      tenants: ["aaaaaaaa-0000-4000-8000-000000000001"],
    });
    const listed = loadConfig({
      ...azure,
      MicrosoftAppTenantId: "aaaaaaaa-0000-4000-8000-000000000001",
      ALLOWED_TENANT_IDS: " aaaaaaaa-0000-4000-8000-000000000001, bbbbbbbb-0000-4000-8000-000000000002 ",
    });
    expect(listed.tenants).toEqual({
      kind: "list",
      tenants: ["aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"],
    });
    expect(loadConfig({}).tenants).toEqual({ kind: "any" });
    expect(() => loadConfig({ ALLOWED_TENANT_IDS: "contoso" })).toThrow(/ALLOWED_TENANT_IDS.*tenant id/);
    expect(() =>
      loadConfig({
        ALLOWED_TENANT_IDS: "aaaaaaaa-0000-4000-8000-000000000001",
        RELEASE_CHANNEL_ID: "19:x",
        RELEASE_CHANNEL_SERVICE_URL: "https://smba.example/",
        RELEASE_CHANNEL_TENANT_ID: "cccccccc-0000-4000-8000-000000000003",
      }),
    ).toThrow(/RELEASE_CHANNEL_TENANT_ID .* is not one of the tenants/);
  });

  it("names the missing Azure variables when only some are set", () => {
    expect(() => loadConfig({ AZURE_SUBSCRIPTION_ID: "sub" })).toThrow(
      /missing AZURE_RESOURCE_GROUP, AZURE_ML_WORKSPACE/,
    );
  });

  it("names a malformed variable", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ INVOKE_TIMEOUT_MS: "5" })).toThrow(/INVOKE_TIMEOUT_MS/);
  });

  it("leases work for WORKER_LEASE_MS, and still reads a lease set under its former name ROLLOUT_LEASE_MS", () => {
    expect(loadConfig({}).env.WORKER_LEASE_MS).toBe(60_000);
    expect(loadConfig({ WORKER_LEASE_MS: "5000" }).env.WORKER_LEASE_MS).toBe(5000);
    expect(loadConfig({ ROLLOUT_LEASE_MS: "7000" }).env.WORKER_LEASE_MS).toBe(7000);
    expect(loadConfig({ WORKER_LEASE_MS: "5000", ROLLOUT_LEASE_MS: "7000" }).env.WORKER_LEASE_MS).toBe(5000);
    expect(() => loadConfig({ ROLLOUT_LEASE_MS: "10" })).toThrow(/WORKER_LEASE_MS/);
  });

  it("bakes 10 min and reads metrics 3 min old in Azure, 4 min and 1 min locally, unless set (an empty value is unset)", () => {
    const azure = { ...AZURE_WORKSPACE, ...AZURE_BOT, ROLES_FILE: "roles.json" };
    expect(loadConfig(azure).gates).toEqual({ bakeMs: 600_000, metricsDelayMs: 180_000, minRequests: 50 });
    expect(loadConfig({}).gates).toEqual({ bakeMs: 240_000, metricsDelayMs: 60_000, minRequests: 50 });
    expect(loadConfig({ ROLLOUT_BAKE_SECONDS: "", METRICS_DELAY_SECONDS: " " }).gates.bakeMs).toBe(240_000);
    expect(loadConfig({ ROLLOUT_BAKE_SECONDS: "0", GATE_MIN_REQUESTS: "200" }).gates).toMatchObject({
      bakeMs: 0,
      minRequests: 200,
    });
    expect(() => loadConfig({ ROLLOUT_BAKE_SECONDS: "ten minutes" })).toThrow(/ROLLOUT_BAKE_SECONDS/);
  });

  it("turns Bot Framework auth on with an app id", () => {
    expect(loadConfig({ MicrosoftAppId: "11111111-2222-3333-4444-555555555555" }).auth).toEqual({
      appId: "11111111-2222-3333-4444-555555555555",
      enabled: true,
    });
  });
});

describe(".env.example", () => {
  it("documents every variable the bot reads", async () => {
    const { readFileSync } = await import("node:fs");
    const { ENV_VARIABLES } = await import("../../src/config.js");
    const example = readFileSync(".env.example", "utf8");
    for (const name of ENV_VARIABLES) expect(example, name).toMatch(new RegExp(`^${name}=`, "m"));
  });
});
