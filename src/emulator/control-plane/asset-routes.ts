import { z } from "zod";
import { conflict, notFound } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type {
  StoredCodeVersion,
  StoredEnvironmentVersion,
  StoredModelVersion,
  SystemData,
} from "../state/resources.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { validateAssetName } from "./names.js";
import { parseBody } from "./validation.js";
import { codeVersionToWire, environmentVersionToWire, modelContainerToWire, modelVersionToWire, page } from "./wire.js";

const stringMap = z.record(z.string(), z.string());
const assetBase = {
  description: z.string().nullish(),
  tags: stringMap.nullish(),
  properties: stringMap.nullish(),
  isArchived: z.boolean().nullish(),
  isAnonymous: z.boolean().nullish(),
};
const modelVersionBody = z.looseObject({
  properties: z.looseObject({
    ...assetBase,
    modelType: z.string().nullish(),
    modelUri: z.string().min(1),
    flavors: z.record(z.string(), z.looseObject({ data: stringMap.nullish() })).nullish(),
    jobName: z.string().nullish(),
  }),
});
const codeVersionBody = z.looseObject({ properties: z.looseObject({ ...assetBase, codeUri: z.string().min(1) }) });
const environmentVersionBody = z.looseObject({
  properties: z.looseObject({ ...assetBase, image: z.string().nullish(), osType: z.string().nullish() }),
});
const containerBody = z.looseObject({
  properties: z
    .looseObject({
      description: z.string().nullish(),
      tags: stringMap.nullish(),
      properties: stringMap.nullish(),
      isArchived: z.boolean().nullish(),
    })
    .nullish(),
});

interface Versioned {
  name: string;
  version: string;
  systemData: SystemData;
}

/** Where one asset kind's versions are kept, by asset name. */
interface VersionPlace<T> {
  versionsOf: (name: string) => Record<string, T> | undefined;
  /** Registers the asset name, with no versions yet. */
  create: (name: string) => Record<string, T>;
}

/** The place of a kind whose names have nothing but versions (code, environments; a model also has a container). */
const versionsIn = <T>(store: Record<string, { versions: Record<string, T> }>): VersionPlace<T> => ({
  versionsOf: (name) => store[name.toLowerCase()]?.versions,
  create: (name) => (store[name.toLowerCase()] = { versions: {} }).versions,
});

/** Version routes shared by models, code and environments: list, get, PUT (synchronous), DELETE. */
function versionRoutes<T extends Versioned>(
  ws: LocalWorkspace,
  kind: string,
  { versionsOf, create }: VersionPlace<T>,
  build: (name: string, version: string, body: unknown, previous: SystemData | undefined) => T,
  toWire: (v: T) => unknown,
) {
  const find = (req: ArmRequest): T => {
    const name = req.params.name ?? "";
    const found = versionsOf(name)?.[req.params.version ?? ""];
    if (!found)
      throw notFound(`${kind} ${name} version ${req.params.version} not found in workspace ${ws.state.name}.`);
    return found;
  };
  return {
    list: (req: ArmRequest): ArmResponse => {
      const versions = versionsOf(req.params.name ?? "");
      if (!versions) throw notFound(`${kind} ${req.params.name} not found in workspace ${ws.state.name}.`);
      const sorted = Object.values(versions).sort(
        (a, b) => Number(b.version) - Number(a.version) || b.version.localeCompare(a.version),
      );
      return { status: 200, body: page(sorted.map(toWire), req) };
    },
    get: (req: ArmRequest): ArmResponse => {
      return { status: 200, body: toWire(find(req)) };
    },
    put: (req: ArmRequest): ArmResponse => {
      const name = req.params.name ?? "";
      const version = req.params.version ?? "";
      validateAssetName(kind, name);
      validateAssetName(`${kind} version`, version);
      const versions = versionsOf(name) ?? create(name);
      const existing = versions[version];
      const stored = build(existing?.name ?? name, version, req.body, existing?.systemData);
      versions[version] = stored;
      ws.save();
      return { status: existing ? 200 : 201, body: toWire(stored) };
    },
    delete: (req: ArmRequest): ArmResponse => {
      const versions = versionsOf(req.params.name ?? "");
      const version = req.params.version ?? "";
      if (!versions?.[version]) return { status: 204 };
      delete versions[version];
      ws.save();
      return { status: 200 };
    },
  };
}

const common = (body: {
  description?: string | null | undefined;
  tags?: Record<string, string> | null | undefined;
  properties?: Record<string, string> | null | undefined;
  isArchived?: boolean | null | undefined;
  isAnonymous?: boolean | null | undefined;
}) => ({
  ...(body.description != null ? { description: body.description } : {}),
  tags: body.tags ?? {},
  properties: body.properties ?? {},
  isArchived: body.isArchived ?? false,
  isAnonymous: body.isAnonymous ?? false,
});

/** Model containers and versions, code versions, environment versions. */
export function assetRoutes(ws: LocalWorkspace) {
  const models = ws.state.models;
  const modelVersions = versionRoutes<StoredModelVersion>(
    ws,
    "Model",
    {
      versionsOf: (name) => models[name.toLowerCase()]?.versions,
      create: (name) => {
        const entry = {
          container: { name, tags: {}, properties: {}, isArchived: false, systemData: ws.systemData() },
          versions: {},
        };
        models[name.toLowerCase()] = entry;
        return entry.versions;
      },
    },
    (name, version, raw, previous) => {
      const p = parseBody(modelVersionBody, raw).properties;
      return {
        name,
        version,
        ...common(p),
        modelType: p.modelType ?? "CustomModel",
        modelUri: p.modelUri,
        flavors: Object.fromEntries(Object.entries(p.flavors ?? {}).map(([k, v]) => [k, { data: v.data ?? {} }])),
        ...(p.jobName != null ? { jobName: p.jobName } : {}),
        systemData: ws.systemData(previous),
      };
    },
    (v) => modelVersionToWire(ws, v),
  );

  const codeVersions = versionRoutes<StoredCodeVersion>(
    ws,
    "Code",
    versionsIn(ws.state.codes),
    (name, version, raw, previous) => {
      const p = parseBody(codeVersionBody, raw).properties;
      return { name, version, ...common(p), codeUri: p.codeUri, systemData: ws.systemData(previous) };
    },
    (v) => codeVersionToWire(ws, v),
  );

  const environmentVersions = versionRoutes<StoredEnvironmentVersion>(
    ws,
    "Environment",
    versionsIn(ws.state.environments),
    (name, version, raw, previous) => {
      const p = parseBody(environmentVersionBody, raw).properties;
      return {
        name,
        version,
        ...common(p),
        ...(p.image != null ? { image: p.image } : {}),
        osType: p.osType ?? "Linux",
        systemData: ws.systemData(previous),
      };
    },
    (v) => environmentVersionToWire(ws, v),
  );

  const modelContainers = {
    list: (req: ArmRequest): ArmResponse => {
      const items = Object.values(models).map((m) => modelContainerToWire(ws, m.container.name));
      return { status: 200, body: page(items, req) };
    },
    get: (req: ArmRequest): ArmResponse => {
      const body = modelContainerToWire(ws, req.params.name ?? "");
      if (!body) throw notFound(`Model ${req.params.name} not found in workspace ${ws.state.name}.`);
      return { status: 200, body };
    },
    put: (req: ArmRequest): ArmResponse => {
      const name = req.params.name ?? "";
      validateAssetName("Model", name);
      const p = parseBody(containerBody, req.body).properties ?? {};
      const existing = models[name.toLowerCase()];
      const container = {
        name: existing?.container.name ?? name,
        ...(p.description != null ? { description: p.description } : {}),
        tags: p.tags ?? {},
        properties: p.properties ?? {},
        isArchived: p.isArchived ?? false,
        systemData: ws.systemData(existing?.container.systemData),
      };
      models[name.toLowerCase()] = { container, versions: existing?.versions ?? {} };
      ws.save();
      return { status: existing ? 200 : 201, body: modelContainerToWire(ws, name) };
    },
    delete: (req: ArmRequest): ArmResponse => {
      const name = req.params.name ?? "";
      const entry = models[name.toLowerCase()];
      if (!entry) return { status: 204 };
      if (Object.keys(entry.versions).length > 0) {
        throw conflict(
          `Model ${name} still has versions (${Object.keys(entry.versions).join(", ")}). Delete them first.`,
        );
      }
      delete models[name.toLowerCase()];
      ws.save();
      return { status: 200 };
    },
  };

  return { modelContainers, modelVersions, codeVersions, environmentVersions };
}
