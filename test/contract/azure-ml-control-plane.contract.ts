// The Azure ML control-plane contract, driven only through the real @azure/arm-machinelearning 2.1.1 client (plus
// raw requests through its pipeline where 2.1.1 drops fields). Fidelity target: shared/reference/azure-ml-api.md.
// describeControlPlaneContract walks one endpoint's life in order (create → deploy → shift traffic → … → delete), so
// its cases share state and run sequentially; a failure early on makes later cases fail too — read the first failure
// first. describeConflictContract is separate because it needs operations that stay in flight for a while.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AzureMachineLearningWorkspaces,
  ManagedOnlineDeployment,
  OnlineDeployment,
  OnlineEndpoint,
} from "@azure/arm-machinelearning";
import { isRestError } from "@azure/core-rest-pipeline";
import { sendRaw } from "../../src/workspace/arm-client.js";
import { sendRawAndWait } from "../support/raw-lro.js";
import { armError, expectRestError, expectRestErrorValue } from "../support/rest-error.js";
import { uniqueName } from "../support/unique-name.js";

/** What an implementation can honour beyond the common contract; a case needing a missing one is skipped. */
export interface ContractCapabilities {
  /** Mirror traffic can be set with a raw PUT at api-version 2023-04-01 (Kubernetes endpoints cannot). */
  mirrorTraffic: boolean;
  /** The deployment's log content is known: it mentions loading the model. */
  logs: boolean;
  /** A second mutating call on an endpoint while an operation on it is in flight is answered 409 Conflict. */
  conflictWhileProvisioning: boolean;
}

/** One Azure ML workspace the contract runs against: the emulator or a real Azure workspace. */
export interface ContractTarget {
  client: AzureMachineLearningWorkspaces;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  location: string;
  /** A registered model and two of its versions (old, new) to deploy as blue and green. */
  model: { name: string; versions: readonly [string, string] };
  /** ARM id of a version of `model` (the versions above, and one that does not exist). */
  modelId(version: string): string;
  /** Extra deployment properties the target needs, e.g. instanceType and environmentId on Azure; {} for the emulator. */
  deploymentTemplate: Partial<Omit<ManagedOnlineDeployment, "endpointComputeType" | "model">>;
  /** LRO poll interval when the server sends no Retry-After. */
  pollIntervalMs: number;
  capabilities: ContractCapabilities;
  cleanup?(): Promise<void>;
}

/** Per-implementation settings that must be known before the target starts. */
export interface ContractOptions {
  /** Timeout of each case and hook; real Azure deployments take minutes. */
  timeoutMs?: number;
}

const CAPABILITY_MEANING: Record<keyof ContractCapabilities, string> = {
  mirrorTraffic: "mirror traffic at api-version 2023-04-01",
  logs: "deployment logs that mention loading the model",
  conflictWhileProvisioning: "409 for a second change while an operation is in flight",
};

const MIRROR_API_VERSION = "2023-04-01";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Traffic = Record<string, number>;

/** Registers the control-plane contract suite against the workspace that `target` starts. */
export function describeControlPlaneContract(
  name: string,
  target: () => Promise<ContractTarget>,
  options: ContractOptions = {},
): void {
  const timeout = options.timeoutMs ?? 60_000;

  describe(name, { timeout }, () => {
    const { t, endpointsToDelete, requireCapability } = useTarget(target, timeout);
    const endpointName = uniqueName("ct");
    const lro = () => ({ updateIntervalInMs: t().pollIntervalMs });
    const workspacePath = () =>
      `/subscriptions/${t().subscriptionId}/resourceGroups/${t().resourceGroup}` +
      `/providers/Microsoft.MachineLearningServices/workspaces/${t().workspaceName}`;
    const endpointPath = () => `${workspacePath()}/onlineEndpoints/${endpointName}`;

    const getEndpoint = () => t().client.onlineEndpoints.get(t().resourceGroup, t().workspaceName, endpointName);
    const getDeployment = (deployment: string) =>
      t().client.onlineDeployments.get(t().resourceGroup, t().workspaceName, endpointName, deployment);
    const putEndpoint = (body: OnlineEndpoint) =>
      t().client.onlineEndpoints.beginCreateOrUpdateAndWait(
        t().resourceGroup,
        t().workspaceName,
        endpointName,
        body,
        lro(),
      );
    const putDeployment = (deployment: string, body: OnlineDeployment) =>
      t().client.onlineDeployments.beginCreateOrUpdateAndWait(
        t().resourceGroup,
        t().workspaceName,
        endpointName,
        deployment,
        body,
        lro(),
      );
    // PATCH cannot change traffic in 2.1.1 (the body type has only tags and identity), so: GET + full PUT (§1.2).
    const setTraffic = async (traffic: Traffic) => {
      const endpoint = await getEndpoint();
      return putEndpoint({ ...endpoint, properties: { ...endpoint.properties, traffic } });
    };
    const aDeployment = (version: string, extra: Partial<ManagedOnlineDeployment> = {}): OnlineDeployment => ({
      location: t().location,
      sku: { name: "Default", capacity: 1 },
      properties: {
        ...t().deploymentTemplate,
        endpointComputeType: "Managed",
        model: t().modelId(version),
        ...extra,
      },
    });
    const [oldVersion, newVersion] = [() => t().model.versions[0], () => t().model.versions[1]];

    // 2.1.1 cannot send mirrorTraffic, so mirror changes are a raw GET + full PUT at api-version 2023-04-01.
    const getEndpointRaw = async (): Promise<RawEndpoint> => {
      const response = await sendRaw(t().client, {
        method: "GET",
        url: endpointPath(),
        apiVersion: MIRROR_API_VERSION,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as RawEndpoint;
    };
    const setMirrorTraffic = async (mirrorTraffic: Traffic) => {
      const endpoint = await getEndpointRaw();
      return sendRawAndWait(t().client, {
        method: "PUT",
        url: endpointPath(),
        apiVersion: MIRROR_API_VERSION,
        body: toPutBody({ ...endpoint, properties: { ...endpoint.properties, mirrorTraffic } }),
        pollIntervalMs: t().pollIntervalMs,
      });
    };

    it("creates a key-auth endpoint that reads back as Succeeded with a scoring URI and without keys", async () => {
      endpointsToDelete.add(endpointName);
      const created = await putEndpoint({
        location: t().location,
        properties: { authMode: "Key", description: "GreenLight contract test" },
      });
      expect(created.properties.provisioningState).toBe("Succeeded");

      let rawBody = "";
      const endpoint = await t().client.onlineEndpoints.get(t().resourceGroup, t().workspaceName, endpointName, {
        onResponse: (response) => {
          rawBody = response.bodyAsText ?? "";
        },
      });
      expect(endpoint.name).toBe(endpointName);
      expect(endpoint.id?.toLowerCase()).toBe(endpointPath().toLowerCase());
      expect(sameLocation(endpoint.location, t().location)).toBe(true);
      expect(endpoint.properties.authMode).toBe("Key");
      expect(endpoint.properties.provisioningState).toBe("Succeeded");
      expect(endpoint.properties.scoringUri).toMatch(/^https?:\/\/\S+\/score$/);
      expect(endpoint.properties.keys ?? null).toBeNull();
      const keys = await t().client.onlineEndpoints.listKeys(t().resourceGroup, t().workspaceName, endpointName);
      expect(keys.primaryKey).toBeTruthy();
      expect(rawBody).not.toContain(keys.primaryKey);
      expect(rawBody).not.toContain(keys.secondaryKey);

      const listed = await collect(t().client.onlineEndpoints.list(t().resourceGroup, t().workspaceName));
      expect(listed.map((e) => e.name)).toContain(endpointName);
    });

    it("shows a managed identity's principal as an Entra object id (a GUID)", async () => {
      const endpoint = await getEndpoint();
      // Managed endpoints get a system-assigned identity when none is asked for (YAMLEP `identity`).
      expect(endpoint.identity?.type).toEqual(expect.any(String));
      if (endpoint.identity?.type === "None") return;
      expect(endpoint.identity?.principalId).toMatch(GUID);
      expect(endpoint.identity?.tenantId).toMatch(GUID);
    });

    it("creates blue and green managed deployments of two model versions and lists both", async () => {
      // One at a time: a second operation on the endpoint while one is in flight may be refused (409).
      const blue = await putDeployment("blue", aDeployment(oldVersion()));
      const green = await putDeployment("green", aDeployment(newVersion()));

      for (const [deployment, version] of [
        [blue, oldVersion()],
        [green, newVersion()],
      ] as const) {
        expect(deployment.properties.provisioningState).toBe("Succeeded");
        expect(deployment.properties.endpointComputeType).toBe("Managed");
        expect(deployment.properties.model?.toLowerCase()).toBe(t().modelId(version).toLowerCase());
        expect(deployment.sku?.capacity).toBe(1);
      }
      const listed = await collect(
        t().client.onlineDeployments.list(t().resourceGroup, t().workspaceName, endpointName),
      );
      expect(listed.map((d) => d.name).sort()).toEqual(["blue", "green"]);
    });

    it("moves traffic to blue 90 / green 10 by a GET and full PUT of the endpoint", async () => {
      const updated = await setTraffic({ blue: 90, green: 10 });
      expect(updated.properties.provisioningState).toBe("Succeeded");

      const endpoint = await getEndpoint();
      expect(withoutZeros(endpoint.properties.traffic)).toEqual({ blue: 90, green: 10 });
    });

    it("refuses traffic that does not sum to 100, saying so, and keeps the endpoint's traffic", async () => {
      const error = await expectRestError(setTraffic({ blue: 90, green: 5 }), 400);
      expect(error.message).toMatch(/100/);

      const endpoint = await getEndpoint();
      expect(withoutZeros(endpoint.properties.traffic)).toEqual({ blue: 90, green: 10 });
    });

    it("refuses traffic naming a deployment the endpoint does not have, and keeps the endpoint's traffic", async () => {
      await expectRestError(setTraffic({ blue: 90, ghost: 10 }), 400);

      const endpoint = await getEndpoint();
      expect(withoutZeros(endpoint.properties.traffic)).toEqual({ blue: 90, green: 10 });
    });

    it("refuses deleting a deployment that has live traffic, and the deployment stays", async () => {
      await expectRestError(
        t().client.onlineDeployments.beginDeleteAndWait(
          t().resourceGroup,
          t().workspaceName,
          endpointName,
          "green",
          lro(),
        ),
        "4xx",
      );

      const green = await getDeployment("green");
      expect(green.properties.provisioningState).toBe("Succeeded");
      const endpoint = await getEndpoint();
      expect(withoutZeros(endpoint.properties.traffic)).toEqual({ blue: 90, green: 10 });
    });

    it("refuses changing the instance type of an existing deployment", async () => {
      const blue = await getDeployment("blue");
      // The service fills a default instance type when none was given (SPEC2512 default Standard_F4s_v2).
      const instanceType = blue.properties.instanceType;
      expect(instanceType, "GET of a managed deployment returns its instanceType").toEqual(expect.any(String));
      const otherType = instanceType === "Standard_DS3_v2" ? "Standard_F4s_v2" : "Standard_DS3_v2";

      // instanceType is create-only (x-ms-mutability create/read, SPEC23/SPEC2512).
      await expectRestError(
        putDeployment("blue", { ...blue, properties: { ...blue.properties, instanceType: otherType } }),
        400,
      );

      const after = await getDeployment("blue");
      expect(after.properties.instanceType).toBe(instanceType);
      expect(after.properties.provisioningState).toBe("Succeeded");
    });

    it("refuses a deployment whose model reference does not resolve, creating nothing", async () => {
      await expectRestError(putDeployment("ghost", aDeployment("987654321")), 400);

      await expectRestError(getDeployment("ghost"), 404);
    });

    it("lists two different keys, and regenerating the primary changes only the primary", async () => {
      const before = await t().client.onlineEndpoints.listKeys(t().resourceGroup, t().workspaceName, endpointName);
      expect(before.primaryKey).toEqual(expect.any(String));
      expect(before.secondaryKey).toEqual(expect.any(String));
      expect(before.primaryKey).not.toBe(before.secondaryKey);

      await t().client.onlineEndpoints.beginRegenerateKeysAndWait(
        t().resourceGroup,
        t().workspaceName,
        endpointName,
        { keyType: "Primary" },
        lro(),
      );

      const after = await t().client.onlineEndpoints.listKeys(t().resourceGroup, t().workspaceName, endpointName);
      expect(after.primaryKey).toEqual(expect.any(String));
      expect(after.primaryKey).not.toBe(before.primaryKey);
      expect(after.secondaryKey).toBe(before.secondaryKey);
    });

    it("returns at most the requested tail of a deployment's log", async () => {
      const logs = await t().client.onlineDeployments.getLogs(
        t().resourceGroup,
        t().workspaceName,
        endpointName,
        "blue",
        { tail: 5 },
      );
      const tail = lines(logs.content ?? "");
      expect(tail.length).toBeLessThanOrEqual(5);
      if (!t().capabilities.logs) return;

      // On the emulator the log is stable (no scoring happened), so the tail is the end of the longer log.
      expect(tail.length).toBeGreaterThan(0);
      const longer = await t().client.onlineDeployments.getLogs(
        t().resourceGroup,
        t().workspaceName,
        endpointName,
        "blue",
        { tail: 1000 },
      );
      const all = lines(longer.content ?? "");
      expect(all.slice(-tail.length)).toEqual(tail);
      expect(
        all.some((line) => /load/i.test(line) && /model/i.test(line)),
        longer.content,
      ).toBe(true);
    });

    it("lists the model's versions, including the two deployed", async () => {
      const versions = await collect(
        t().client.modelVersions.list(t().resourceGroup, t().workspaceName, t().model.name),
      );
      expect(versions.map((v) => v.name)).toEqual(expect.arrayContaining([oldVersion(), newVersion()]));
    });

    it("reads the workspace and its location", async () => {
      const workspace = await t().client.workspaces.get(t().resourceGroup, t().workspaceName);
      expect(workspace.name).toBe(t().workspaceName);
      expect(sameLocation(workspace.location, t().location)).toBe(true);
    });

    it("refuses an endpoint name with a space and punctuation", async () => {
      const badName = "bad name!";
      // 2.1.1 does no client-side name validation; the request reaches the server as `bad%20name!` (§1.2).
      const create = t()
        .client.onlineEndpoints.beginCreateOrUpdateAndWait(
          t().resourceGroup,
          t().workspaceName,
          badName,
          { location: t().location, properties: { authMode: "Key" } },
          lro(),
        )
        .then((created) => {
          endpointsToDelete.add(badName);
          return created;
        });

      await expectRestError(create, 400);
    });

    it("refuses an api-version it does not support with an ARM error naming that version", async () => {
      const response = await sendRaw(t().client, { method: "GET", url: endpointPath(), apiVersion: "1999-01-01" });

      expect(response.status).toBe(400);
      const error = armError(response.body);
      expect(error.code).toMatch(/^(InvalidApiVersionParameter|NoRegisteredProviderFound)$/);
      expect(error.message).toContain("1999-01-01");
    });

    it("mirrors 10% to green while green has no live traffic, and reads it back", async ({ skip }) => {
      requireCapability(skip, "mirrorTraffic");
      // A deployment gets live or mirrored traffic, not both (ROLLOUT "Mirroring has the following limitations").
      await setTraffic({ blue: 100, green: 0 });

      await setMirrorTraffic({ green: 10 });

      const raw = await getEndpointRaw();
      expect(withoutZeros(raw.properties.mirrorTraffic)).toEqual({ green: 10 });
      expect(withoutZeros(raw.properties.traffic)).toEqual({ blue: 100 });
      // At 2022-10-01 the field does not exist, so a 2.1.1 GET need not show it; it only sees the live traffic.
      const viaSdk = await getEndpoint();
      expect(withoutZeros(viaSdk.properties.traffic)).toEqual({ blue: 100 });
    });

    it("keeps the mirror when 2.1.1, which cannot send mirrorTraffic, PUTs the endpoint", async ({ skip }) => {
      requireCapability(skip, "mirrorTraffic");
      // Unverified on Azure (reference §10): the bot shifts traffic with 2.1.1's GET + full PUT, and must not wipe
      // a mirror someone set in the Studio.
      const endpoint = await getEndpoint();
      await putEndpoint({ ...endpoint, properties: { ...endpoint.properties, description: "changed by 2.1.1" } });

      const raw = await getEndpointRaw();
      expect(raw.properties["description"]).toBe("changed by 2.1.1");
      expect(withoutZeros(raw.properties.mirrorTraffic)).toEqual({ green: 10 });
    });

    it("refuses mirroring more than 50%, and keeps the mirror", async ({ skip }) => {
      requireCapability(skip, "mirrorTraffic");

      await expectRestError(setMirrorTraffic({ green: 60 }), 400);

      const raw = await getEndpointRaw();
      expect(withoutZeros(raw.properties.mirrorTraffic)).toEqual({ green: 10 });
    });

    it("refuses mirroring to a deployment that takes live traffic, and clears the mirror on request", async ({
      skip,
    }) => {
      requireCapability(skip, "mirrorTraffic");

      await expectRestError(setMirrorTraffic({ blue: 10 }), 400);
      expect(withoutZeros((await getEndpointRaw()).properties.mirrorTraffic)).toEqual({ green: 10 });

      await setMirrorTraffic({});
      expect(withoutZeros((await getEndpointRaw()).properties.mirrorTraffic)).toEqual({});
    });

    it("deletes a deployment once it has no traffic", async () => {
      await setTraffic({ blue: 100, green: 0 });

      await t().client.onlineDeployments.beginDeleteAndWait(
        t().resourceGroup,
        t().workspaceName,
        endpointName,
        "green",
        lro(),
      );

      await expectRestError(getDeployment("green"), 404);
      const listed = await collect(
        t().client.onlineDeployments.list(t().resourceGroup, t().workspaceName, endpointName),
      );
      expect(listed.map((d) => d.name)).toEqual(["blue"]);
    });

    it("deletes the endpoint with its deployments, after which both read as 404", async () => {
      await t().client.onlineEndpoints.beginDeleteAndWait(t().resourceGroup, t().workspaceName, endpointName, lro());
      endpointsToDelete.delete(endpointName);

      await expectRestError(getEndpoint(), 404);
      await expectRestError(getDeployment("blue"), 404);
    });
  });
}

/**
 * Registers the concurrency contract: a second change to an endpoint while an operation on it is in flight is
 * refused with 409. `target` should keep operations in flight for a second or more, so the case does not race.
 */
export function describeConflictContract(
  name: string,
  target: () => Promise<ContractTarget>,
  options: ContractOptions = {},
): void {
  const timeout = options.timeoutMs ?? 60_000;

  describe(name, { timeout }, () => {
    const { t, endpointsToDelete, requireCapability } = useTarget(target, timeout);
    const lro = () => ({ updateIntervalInMs: t().pollIntervalMs });

    it("refuses a second change to an endpoint while one is in flight, with 409", async ({ skip }) => {
      requireCapability(skip, "conflictWhileProvisioning");
      const endpointName = uniqueName("ct");
      endpointsToDelete.add(endpointName);
      const { resourceGroup, workspaceName } = t();
      const endpoint = await t().client.onlineEndpoints.beginCreateOrUpdateAndWait(
        resourceGroup,
        workspaceName,
        endpointName,
        { location: t().location, properties: { authMode: "Key" } },
        lro(),
      );
      const change = (description: string) =>
        t().client.onlineEndpoints.beginCreateOrUpdate(
          resourceGroup,
          workspaceName,
          endpointName,
          { ...endpoint, properties: { ...endpoint.properties, description } },
          lro(),
        );

      // Sent together, so whichever arrives second finds the first in flight.
      const outcomes = await Promise.allSettled([change("first change"), change("second change")]);

      const accepted = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      const finished = await Promise.all(accepted.map((poller) => poller.pollUntilDone()));
      expect(accepted, "exactly one of two simultaneous changes is accepted").toHaveLength(1);
      expectRestErrorValue(refused[0], 409);
      expect(finished[0]?.properties.provisioningState).toBe("Succeeded");
      const after = await t().client.onlineEndpoints.get(resourceGroup, workspaceName, endpointName);
      expect(after.properties.description).toMatch(/^(first|second) change$/);
    });
  });
}

/** Starts the target before a suite's cases and, after them, deletes the endpoints they created, then cleans up. */
function useTarget(target: () => Promise<ContractTarget>, timeout: number) {
  let current: ContractTarget | undefined;
  const endpointsToDelete = new Set<string>();

  const t = (): ContractTarget => {
    if (current === undefined) throw new Error("the contract target did not start (see beforeAll)");
    return current;
  };
  const requireCapability = (skip: (note: string) => void, capability: keyof ContractCapabilities) => {
    if (!t().capabilities[capability]) skip(`target lacks ${capability}: ${CAPABILITY_MEANING[capability]}`);
  };

  beforeAll(async () => {
    current = await target();
  }, timeout);

  afterAll(async () => {
    if (current === undefined) return;
    const { client, resourceGroup, workspaceName, pollIntervalMs } = current;
    try {
      for (const endpoint of endpointsToDelete) {
        await client.onlineEndpoints
          .beginDeleteAndWait(resourceGroup, workspaceName, endpoint, { updateIntervalInMs: pollIntervalMs })
          .catch((error: unknown) => {
            if (!(isRestError(error) && error.statusCode === 404)) throw error;
          });
      }
    } finally {
      await current.cleanup?.();
    }
  }, timeout);

  return { t, endpointsToDelete, requireCapability };
}

/** An endpoint as returned by a raw GET at api-version ≥ 2023-04-01. */
interface RawEndpoint {
  properties: { traffic?: Traffic; mirrorTraffic?: Traffic } & Record<string, unknown>;
  [key: string]: unknown;
}

// A raw PUT has no serializer to drop read-only fields, and ARM refuses a provisioningState that differs from its own.
function toPutBody(endpoint: RawEndpoint): Record<string, unknown> {
  const { id: _id, name: _name, type: _type, systemData: _systemData, ...writable } = endpoint;
  const {
    provisioningState: _provisioningState,
    scoringUri: _scoringUri,
    swaggerUri: _swaggerUri,
    ...properties
  } = endpoint.properties;
  return { ...writable, properties };
}

function withoutZeros(traffic: Traffic | null | undefined): Traffic {
  return Object.fromEntries(Object.entries(traffic ?? {}).filter(([, percent]) => percent !== 0));
}

function sameLocation(a: string | undefined, b: string): boolean {
  const normalise = (location: string) => location.toLowerCase().replace(/\s+/g, "");
  return a !== undefined && normalise(a) === normalise(b);
}

function lines(content: string): string[] {
  const trimmed = content.replace(/\r?\n$/, "");
  return trimmed === "" ? [] : trimmed.split(/\r?\n/);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
