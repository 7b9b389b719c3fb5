import { z } from "zod";
import { ArmError, badArgument } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { AuthMode, StoredEndpoint } from "../state/resources.js";
import { hasMirrorTraffic } from "./api-versions.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { extraProperties } from "./extra-properties.js";
import { identityBody, managedIdentity } from "./identity.js";
import { validateResourceName } from "./names.js";
import {
  asyncOperationHeaders,
  endpointId,
  endpointToWire,
  locationHeaders,
  operationStatusUrl,
  page,
} from "./wire.js";
import { acceptLater, patchResource } from "./resource-operations.js";
import { parseBody, validateTraffic } from "./validation.js";

const stringMap = z.record(z.string(), z.string());
const trafficMap = z.record(z.string(), z.number());

const endpointBody = z.looseObject({
  location: z.string().min(1),
  kind: z.string().nullish(),
  tags: stringMap.nullish(),
  identity: identityBody.nullish(),
  properties: z.looseObject({
    authMode: z.string(),
    description: z.string().nullish(),
    properties: stringMap.nullish(),
    traffic: trafficMap.nullish(),
    mirrorTraffic: trafficMap.nullish(),
    publicNetworkAccess: z.string().nullish(),
    compute: z.string().nullish(),
  }),
});

const patchBody = z.looseObject({
  tags: stringMap.nullish(),
  identity: identityBody.nullish(),
});

// The properties kept in fields of their own, and those the service writes or never returns (reference §3.1).
const TYPED_PROPERTIES = new Set([
  "provisioningState",
  "scoringUri",
  "swaggerUri",
  "keys",
  "compute",
  "authMode",
  "description",
  "properties",
  "traffic",
  "mirrorTraffic",
  "publicNetworkAccess",
]);

const regenerateBody = z.looseObject({
  keyType: z.string(),
  keyValue: z.string().nullish(),
});

const AUTH_MODES: AuthMode[] = ["Key", "AMLToken", "AADToken"];
const TOKEN_LIFETIME_S = 3600;

function authMode(value: string): AuthMode {
  // The service matches enum strings case-insensitively (the official REST sample sends lower-case values).
  const mode = AUTH_MODES.find((m) => m.toLowerCase() === value.toLowerCase());
  if (!mode) {
    throw badArgument(`authMode '${value}' is not valid. Use one of: ${AUTH_MODES.join(", ")}.`, "properties.authMode");
  }
  return mode;
}

/** Online endpoint routes: list, get, PUT, PATCH, DELETE, listKeys, regenerateKeys, token. */
export function endpointRoutes(ws: LocalWorkspace) {
  return {
    list: (req: ArmRequest): ArmResponse => {
      const nameFilter = req.url.searchParams.get("name")?.toLowerCase();
      const endpoints = Object.values(ws.state.endpoints)
        .filter((e) => !nameFilter || e.name.toLowerCase().includes(nameFilter))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
      return {
        status: 200,
        body: page(
          endpoints.map((e) => endpointToWire(ws, e, req)),
          req,
        ),
      };
    },

    get: (req: ArmRequest): ArmResponse => {
      return { status: 200, body: endpointToWire(ws, ws.endpoint(req.params.endpoint ?? ""), req) };
    },

    put: (req: ArmRequest): ArmResponse => {
      const name = req.params.endpoint ?? "";
      validateResourceName("endpoint", name);
      const body = parseBody(endpointBody, req.body);
      const existing = ws.findEndpoint(name);
      if (existing) ws.assertNoOperationInFlight(name);
      // A client on an api-version without mirrorTraffic cannot send it; keep what is there rather than clear it.
      const mirrorInput = hasMirrorTraffic(req.apiVersion)
        ? (body.properties.mirrorTraffic ?? {})
        : (existing?.mirrorTraffic ?? {});
      const { traffic, mirrorTraffic } = validateTraffic(ws, name, body.properties.traffic ?? {}, mirrorInput);
      const op = ws.startOperation("PUT", endpointId(ws, name), "oeidp");
      const endpoint: StoredEndpoint = {
        name: existing?.name ?? name,
        location: body.location,
        tags: body.tags ?? {},
        identity: managedIdentity(ws, body.identity ?? { type: "SystemAssigned" }, existing?.identity),
        authMode: authMode(body.properties.authMode),
        ...(body.properties.description != null ? { description: body.properties.description } : {}),
        properties: {
          ...body.properties.properties,
          ...existing?.properties,
          "azureml.onlineendpointid": endpointId(ws, name).toLowerCase(),
          AzureAsyncOperationUri: operationStatusUrl(ws, req, op),
        },
        traffic,
        mirrorTraffic,
        publicNetworkAccess: body.properties.publicNetworkAccess ?? existing?.publicNetworkAccess ?? "Enabled",
        ...createOnly("compute", existing ? existing.compute : (body.properties.compute ?? undefined)),
        ...createOnly("kind", existing ? existing.kind : (body.kind ?? undefined)),
        extraProperties: extraProperties(
          body.properties,
          req.apiVersion,
          existing?.extraProperties,
          TYPED_PROPERTIES,
          {},
        ),
        provisioningState: existing ? "Updating" : "Creating",
        keys: existing?.keys ?? { primaryKey: ws.newKey(), secondaryKey: ws.newKey() },
        tokens: existing?.tokens ?? [],
        createdAt: existing?.createdAt ?? ws.now().toISOString(),
        systemData: ws.systemData(existing?.systemData),
      };
      ws.state.endpoints[name.toLowerCase()] = endpoint;
      ws.save();
      const failure = ws.faults.takeEndpointOperationFailure(name);
      ws.later(async () => {
        await ws.faults.provisioningHold(name);
        const current = ws.findEndpoint(name);
        if (failure) {
          // The change did not happen: the endpoint is as it was before, marked Failed like after a failed update.
          if (current === endpoint) {
            ws.state.endpoints[name.toLowerCase()] = { ...(existing ?? endpoint), provisioningState: "Failed" };
          }
          ws.finishOperation(op, failure);
        } else {
          if (current === endpoint) current.provisioningState = "Succeeded";
          ws.finishOperation(op);
        }
        ws.save();
      });
      return {
        status: existing ? 200 : 201,
        body: endpointToWire(ws, endpoint, req),
        headers: asyncOperationHeaders(ws, req, op),
      };
    },

    patch: (req: ArmRequest): ArmResponse => {
      const name = req.params.endpoint ?? "";
      const endpoint = ws.endpoint(name);
      ws.assertNoOperationInFlight(name);
      const body = parseBody(patchBody, req.body);
      return patchResource(ws, req, endpoint, { path: endpointId(ws, endpoint.name), prefix: "oeidp" }, () => {
        if (body.tags) endpoint.tags = body.tags;
        if (body.identity) endpoint.identity = managedIdentity(ws, body.identity, endpoint.identity);
      });
    },

    delete: (req: ArmRequest): ArmResponse => {
      const name = req.params.endpoint ?? "";
      const endpoint = ws.findEndpoint(name);
      if (!endpoint) return { status: 204 };
      ws.assertNoOperationInFlight(name);
      const op = ws.startOperation("DELETE", endpointId(ws, endpoint.name), "oeidp");
      endpoint.provisioningState = "Deleting";
      for (const d of ws.deploymentsOf(name)) d.provisioningState = "Deleting";
      ws.save();
      return acceptLater(ws, req, op, async () => {
        // Deleting an endpoint deletes its deployments (reference §4.3).
        for (const d of ws.deploymentsOf(name)) {
          await ws.stopRuntime(name, d.name);
          await ws.logs.remove(name, d.name);
        }
        delete ws.state.deployments[name.toLowerCase()];
        delete ws.state.endpoints[name.toLowerCase()];
      });
    },

    listKeys: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      requireAuthMode(endpoint, "Key", "listKeys");
      return { status: 200, body: { ...endpoint.keys } };
    },

    regenerateKeys: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      requireAuthMode(endpoint, "Key", "regenerateKeys");
      const body = parseBody(regenerateBody, req.body);
      const keyType = body.keyType.toLowerCase();
      if (keyType !== "primary" && keyType !== "secondary") {
        throw badArgument(`keyType '${body.keyType}' is not valid. Use Primary or Secondary.`, "keyType");
      }
      const field = keyType === "primary" ? "primaryKey" : "secondaryKey";
      // Like the service, a keyValue equal to the current key still regenerates (the Python SDK sends the old one).
      const wanted = body.keyValue && body.keyValue !== endpoint.keys[field] ? body.keyValue : ws.newKey();
      endpoint.keys = { ...endpoint.keys, [field]: wanted };
      const op = ws.startOperation("POST", endpointId(ws, endpoint.name), "oeidp");
      ws.finishOperation(op);
      ws.save();
      return { status: 202, headers: locationHeaders(ws, req, op) };
    },

    token: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      requireAuthMode(endpoint, "AMLToken", "token");
      const nowS = Math.floor(ws.now().getTime() / 1000);
      const token = { token: ws.newKey(), expiresAt: nowS + TOKEN_LIFETIME_S };
      endpoint.tokens = [...endpoint.tokens.filter((t) => t.expiresAt > nowS), token];
      ws.save();
      return {
        status: 200,
        body: {
          accessToken: token.token,
          tokenType: "Bearer",
          expiryTimeUtc: token.expiresAt,
          refreshAfterTimeUtc: nowS + TOKEN_LIFETIME_S / 2,
        },
      };
    },
  };
}

function requireAuthMode(endpoint: StoredEndpoint, mode: AuthMode, action: string): void {
  if (endpoint.authMode !== mode) {
    throw new ArmError(
      400,
      "BadArgument",
      `${action} is only available for endpoints with authMode ${mode}; endpoint ${endpoint.name} uses ${endpoint.authMode}.`,
    );
  }
}

/** A field set when the endpoint is created and kept as it was by later PUTs (left out when absent). */
function createOnly<K extends "compute" | "kind">(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, string>>);
}
