// Helpers for the bot suite (test/bot): the SDK client beside the bot, card readers, audit look-ups, forged tokens.
import { randomUUID } from "node:crypto";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { AuditEntry } from "../../src/ports/store.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";
import type { BotHarness } from "./bot-harness.js";
import { cardOf, visibleText } from "./bot-harness.js";
import type { SentActivity } from "./connector-server.js";
import { DIABETES_FEATURES } from "../../src/emulator/seed/diabetes-features.js";
import type { z } from "zod";
import type { faultSchema } from "../../src/emulator/faults.js";
import type { ArmWrite } from "../../src/emulator/write-log.js";
import { httpsClient, type HttpsClient } from "./https-request.js";
import { unescapeMarkdown } from "./card-markdown.js";

export { unescapeMarkdown };

const LRO = { updateIntervalInMs: 10 };

/** The real SDK client, pointed at the harness's emulator: how a test changes Azure behind the bot's back. */
export class WorkspaceAdmin {
  readonly client: AzureMachineLearningWorkspaces;
  private readonly https: HttpsClient;

  /** `h`: a bot harness, or anything else with an emulator (a test that runs the bot as a child process). */
  constructor(private readonly h: Pick<BotHarness, "emulator">) {
    this.client = createArmClient({
      subscriptionId: h.emulator.subscriptionId,
      credential: localCredential(),
      endpoint: h.emulator.armBaseUrl,
      caCertPem: h.emulator.caCertPem,
    });
    this.https = httpsClient(h.emulator.caCertPem);
  }

  private get rg(): string {
    return this.h.emulator.resourceGroup;
  }

  private get ws(): string {
    return this.h.emulator.workspaceName;
  }

  modelId(version: number): string {
    return `${this.h.emulator.workspaceId}/models/diabetes/versions/${version}`;
  }

  async createEndpoint(name: string): Promise<void> {
    await this.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      this.rg,
      this.ws,
      name,
      { location: this.h.emulator.location, properties: { authMode: "Key" } },
      LRO,
    );
  }

  async createDeployment(endpoint: string, name: string, modelVersion: number): Promise<void> {
    await this.client.onlineDeployments.beginCreateOrUpdateAndWait(
      this.rg,
      this.ws,
      endpoint,
      name,
      {
        location: this.h.emulator.location,
        sku: { name: "Default", capacity: 1 },
        properties: {
          endpointComputeType: "Managed",
          model: this.modelId(modelVersion),
          instanceType: "Standard_DS2_v2",
        },
      },
      LRO,
    );
  }

  /** GET + full PUT (2.1.1's PATCH cannot change traffic). */
  async setTraffic(endpoint: string, traffic: Record<string, number>): Promise<void> {
    const current = await this.client.onlineEndpoints.get(this.rg, this.ws, endpoint);
    await this.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      this.rg,
      this.ws,
      endpoint,
      { ...current, properties: { ...current.properties, traffic } },
      LRO,
    );
  }

  /** Sets the endpoint's tags (GET + full PUT), as someone tagging it in Azure would. */
  async setTags(endpoint: string, tags: Record<string, string>): Promise<void> {
    const current = await this.client.onlineEndpoints.get(this.rg, this.ws, endpoint);
    await this.client.onlineEndpoints.beginCreateOrUpdateAndWait(this.rg, this.ws, endpoint, { ...current, tags }, LRO);
  }

  /** The endpoint's mirror traffic, read with a raw GET at an api-version that has it (2.1.1's model drops it). */
  async mirrorOf(endpoint: string): Promise<Record<string, number>> {
    const id = `${this.h.emulator.workspaceId}/onlineEndpoints/${encodeURIComponent(endpoint)}`;
    const token = await localCredential().getToken([]);
    const answer = await this.https.send({
      url: `${this.h.emulator.armBaseUrl}${id}?api-version=2024-04-01`,
      headers: { authorization: `Bearer ${token?.token ?? ""}` },
    });
    const mirror = (answer.json as { properties?: { mirrorTraffic?: Record<string, number> } }).properties
      ?.mirrorTraffic;
    return Object.fromEntries(Object.entries(mirror ?? {}).filter(([, v]) => v > 0));
  }

  /**
   * Sends `count` scoring requests to the endpoint as its clients do (its key, no deployment named: its traffic and
   * mirror decide), one after another; the statuses, in order.
   */
  async score(endpoint: string, body: string, count: number): Promise<number[]> {
    const e = await this.client.onlineEndpoints.get(this.rg, this.ws, endpoint);
    const [key] = await this.keys(endpoint);
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await this.https.send({
        method: "POST",
        url: e.properties.scoringUri ?? "",
        headers: { authorization: `Bearer ${key}` },
        body,
      });
      statuses.push(answer.status);
    }
    return statuses;
  }

  /** Injects an emulator fault (`POST /_emulator/faults`). */
  async injectFault(fault: z.input<typeof faultSchema>): Promise<void> {
    const answer = await this.https.send({
      method: "POST",
      url: `${this.h.emulator.adminBaseUrl}/faults`,
      body: fault,
    });
    if (answer.status !== 204) throw new Error(`fault refused: ${answer.status} ${answer.text}`);
  }

  async clearFaults(): Promise<void> {
    await this.https.send({ method: "DELETE", url: `${this.h.emulator.adminBaseUrl}/faults` });
  }

  /** The endpoint's live traffic read back through the SDK, deployments at 0 % left out. */
  async trafficOf(endpoint: string): Promise<Record<string, number>> {
    const e = await this.client.onlineEndpoints.get(this.rg, this.ws, endpoint);
    return Object.fromEntries(Object.entries(e.properties.traffic ?? {}).filter(([, v]) => v > 0));
  }

  /** The ARM writes the workspace accepted on the endpoint and its deployments (`GET /_emulator/endpoints/<name>/writes`). */
  async writes(endpoint: string): Promise<ArmWrite[]> {
    const answer = await this.https.send({
      url: `${this.h.emulator.adminBaseUrl}/endpoints/${encodeURIComponent(endpoint)}/writes`,
    });
    if (answer.status !== 200) throw new Error(`writes: ${answer.status} ${answer.text}`);
    return (answer.json as { value: ArmWrite[] }).value;
  }

  /** The mirror traffic each endpoint PUT set, in order (deployments at 0 % left out). */
  async mirrorChanges(endpoint: string): Promise<Record<string, number>[]> {
    return (await this.writes(endpoint))
      .filter((w) => w.method === "PUT" && w.deployment === undefined)
      .map((w) => Object.fromEntries(Object.entries(w.mirrorTraffic ?? {}).filter(([, v]) => v > 0)));
  }

  /** The traffic each endpoint PUT set, in order: one entry per traffic change Azure accepted. */
  async trafficChanges(endpoint: string): Promise<Record<string, number>[]> {
    return (await this.writes(endpoint))
      .filter((w) => w.method === "PUT" && w.deployment === undefined)
      .map((w) => Object.fromEntries(Object.entries(w.traffic ?? {}).filter(([, v]) => v > 0)));
  }

  close(): void {
    this.https.close();
  }

  async keys(endpoint: string): Promise<string[]> {
    const k = await this.client.onlineEndpoints.listKeys(this.rg, this.ws, endpoint);
    return [k.primaryKey, k.secondaryKey].filter((x): x is string => typeof x === "string" && x.length > 0);
  }

  async regenerateKey(endpoint: string, keyType: "Primary" | "Secondary"): Promise<void> {
    await this.client.onlineEndpoints.beginRegenerateKeysAndWait(this.rg, this.ws, endpoint, { keyType }, LRO);
  }
}

/** The newest audit row (the bot suite runs one turn at a time, so it is the last turn's). */
export async function lastAudit(h: BotHarness): Promise<AuditEntry | undefined> {
  return (await h.store.records.latestAudit({ limit: 1 }))[0];
}

/** How many audit rows there are (up to 10 000). */
export async function auditCount(h: BotHarness): Promise<number> {
  return (await h.store.records.latestAudit({ limit: 10_000 })).length;
}

/** The single activity of a turn that must answer with exactly one message. */
export function only(sent: SentActivity[]): SentActivity {
  if (sent.length !== 1) throw new Error(`expected one reply, got ${sent.length}: ${visibleText(sent).slice(0, 400)}`);
  return sent[0] as SentActivity;
}

/** Every fact (title → value) on a card, in document order, FactSets inside containers included, as rendered. */
export function factsOf(card: Record<string, unknown>): { title: string; value: string }[] {
  const facts: { title: string; value: string }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.type === "FactSet" && Array.isArray(o.facts)) {
        for (const f of o.facts as { title: string; value: string }[]) {
          facts.push({ title: unescapeMarkdown(f.title), value: unescapeMarkdown(f.value) });
        }
      }
      for (const [k, x] of Object.entries(o)) if (k !== "facts") walk(x);
    }
  };
  walk(card);
  return facts;
}

/** The value of the first fact titled `title`. */
export function fact(card: Record<string, unknown>, title: string): string | undefined {
  return factsOf(card).find((f) => f.title === title)?.value;
}

/** The Action.Execute buttons on a card (its `actions`), by title. */
export function buttonsOf(
  card: Record<string, unknown>,
): { title: string; verb: string; data: Record<string, unknown> }[] {
  return ((card.actions ?? []) as { type: string; title: string; verb: string; data?: Record<string, unknown> }[])
    .filter((a) => a.type === "Action.Execute")
    .map((a) => ({ title: a.title, verb: a.verb, data: a.data ?? {} }));
}

/** The text of every TextBlock and TextRun on a card, joined by newlines (what a reader sees, no layout words). */
export function cardText(card: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      // TextRuns are not Markdown: their text shows as it is.
      if (o.type === "TextBlock" && typeof o.text === "string") parts.push(unescapeMarkdown(o.text));
      if (o.type === "TextRun" && typeof o.text === "string") parts.push(o.text);
      if (o.type === "FactSet" && Array.isArray(o.facts)) {
        for (const f of o.facts as { title: string; value: string }[]) {
          parts.push(unescapeMarkdown(`${f.title}: ${f.value}`));
        }
      }
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(card);
  return parts.join("\n");
}

/** What a user reads in one reply: its text, or its card's text. */
export function readReply(sent: SentActivity): string {
  // Teams renders a text message as Markdown too.
  const text = typeof sent.activity.text === "string" ? unescapeMarkdown(sent.activity.text) : "";
  const attachments = sent.activity.attachments as { contentType: string }[] | undefined;
  return attachments?.[0]?.contentType === "application/vnd.microsoft.card.adaptive"
    ? [text, cardText(cardOf(sent))].filter(Boolean).join("\n")
    : text;
}

/** Teams' file-download attachment for a file the connector serves. */
export function teamsFile(h: BotHarness, name: string, fileType = "json", url = h.connector.fileUrl(name)): unknown {
  return {
    contentType: "application/vnd.microsoft.teams.file.download.info",
    name,
    content: { downloadUrl: url, uniqueId: randomUUID(), fileType },
  };
}

/** The MLflow payload for one patient in the models' feature order. */
export function patientPayload(row: number[] = [1, 85, 66, 29, 20, 26.6, 0.351, 31]): string {
  return JSON.stringify({
    input_data: {
      columns: [...DIABETES_FEATURES],
      index: [0],
      data: [row],
    },
  });
}

/** No stack trace or internal error text in what a user sees. */
export function looksLikeStackTrace(text: string): boolean {
  return /\n\s+at [\w.<>]+ \(|node_modules|\.ts:\d+|TypeError|ReferenceError/.test(text);
}
