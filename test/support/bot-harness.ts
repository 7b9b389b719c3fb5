import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGreenLight, type GreenLight } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";
import type { Clock } from "../../src/ports/clock.js";
import { openSqlStore, type GreenLightStore } from "../../src/store/open-store.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { ConnectorServer, type Member, type SentActivity } from "./connector-server.js";

export const BOT = { id: "28:greenlight-test-bot", name: "GreenLight" };
/** The tenant of the test's people and channels: the one tenant the test bot serves (ALLOWED_TENANT_IDS). */
export const TENANT = "7d3c2b1a-0000-4000-8000-000000000001";

/** The people of test/fixtures/roles.test.json, as Teams would present them. */
export const USERS = {
  operator: {
    id: "user-alexw",
    name: "Alex Wilber",
    aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01",
    userPrincipalName: "alexw@greenlight.example",
  },
  approver: {
    id: "user-meganb",
    name: "Megan Bowen",
    aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e02",
    userPrincipalName: "meganb@greenlight.example",
  },
  // Listed in the roles file by UPN only, so the bot must look the UPN up in the roster.
  admin: {
    id: "user-adelev",
    name: "Adele Vance",
    aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e03",
    userPrincipalName: "adelev@greenlight.example",
  },
  viewer: {
    id: "user-isaiahl",
    name: "Isaiah Langer",
    aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e04",
    userPrincipalName: "isaiahl@greenlight.example",
  },
  operatorApprover: {
    id: "user-pattif",
    name: "Patti Fernandez",
    aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e05",
    userPrincipalName: "pattif@greenlight.example",
  },
  unknown: {
    id: "user-lynner",
    name: "Lynne Robbins",
    aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e06",
    userPrincipalName: "lynner@greenlight.example",
  },
} satisfies Record<string, Member>;

export interface BotHarnessOptions {
  /** Sets MicrosoftAppId (Bot Framework auth on). */
  appId?: string;
  /** Extra environment for the bot's config. */
  env?: Record<string, string>;
  provisioningDelayMs?: number;
  /** The bot's clock (a test moves it to expire caches). */
  clock?: Clock;
  /** Wraps the store the bot (and the harness's `store`) uses, e.g. to line concurrent reads up. */
  wrapStore?: (store: GreenLightStore) => GreenLightStore;
}

export interface PostResult {
  status: number;
  body: unknown;
}

/**
 * GreenLight over its real HTTP path: activities POSTed to /api/messages, replies recorded by a local connector,
 * the emulator behind the real ArmWorkspace, a real (in-memory PGlite) store.
 */
export class BotHarness {
  /** The card message id (`replyToId`) of the last click. */
  lastCardId: string | undefined;

  private constructor(
    /** Every line the bot logged, as JSON. */
    readonly logLines: string[],
    readonly emulator: RunningEmulator,
    readonly connector: ConnectorServer,
    readonly app: GreenLight,
    readonly store: GreenLightStore,
    private readonly dataDir: string,
  ) {}

  static async start(options: BotHarnessOptions = {}): Promise<BotHarness> {
    const dataDir = await mkdtemp(join(tmpdir(), "greenlight-bot-"));
    const emulatorDir = join(dataDir, "emulator");
    const emulator = await startEmulator({
      dataDir: emulatorDir,
      port: 0,
      provisioningDelayMs: options.provisioningDelayMs ?? 0,
      retryAfterSeconds: 0,
      // The bot's clock is Azure Monitor's too: a test that moves it makes minutes of metrics settle.
      ...(options.clock ? { now: () => options.clock?.now() ?? new Date() } : {}),
    });
    const connector = await new ConnectorServer().start();
    for (const user of Object.values(USERS)) connector.members.set(user.id, user);
    const opened = await openSqlStore(await PgliteClient.open(), {});
    const store = options.wrapStore ? options.wrapStore(opened) : opened;
    const logLines: string[] = [];
    const config = loadConfig({
      PORT: "0",
      LOCAL_WORKSPACE_URL: emulator.armBaseUrl,
      EMULATOR_DATA_DIR: emulatorDir,
      DATA_DIR: dataDir,
      ROLES_FILE: "test/fixtures/roles.test.json",
      ALLOWED_TENANT_IDS: TENANT,
      INVOKE_TIMEOUT_MS: "5000",
      // Steps do not bake unless a test says so: the tests of bakes and gates set their own.
      ROLLOUT_BAKE_SECONDS: "0",
      ...(options.appId ? { MicrosoftAppId: options.appId, MicrosoftAppPassword: "not-a-real-password" } : {}),
      // "__connector__" stands for this harness's connector URL (a release channel on the same connector).
      ...Object.fromEntries(
        Object.entries(options.env ?? {}).map(([k, v]) => [k, v === "__connector__" ? connector.url : v]),
      ),
    });
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      logLines.push(JSON.stringify({ level, message, ...fields }));
    const app = await startGreenLight(config, {
      store,
      ...(options.clock ? { clock: options.clock } : {}),
      log: { info: log("info"), warn: log("warn"), error: log("error") },
    });
    return new BotHarness(logLines, emulator, connector, app, store, dataDir);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.store.close();
    await this.emulator.close();
    await this.connector.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** POSTs an activity to /api/messages as the connector would. */
  async post(activity: Record<string, unknown>, headers: Record<string, string> = {}): Promise<PostResult> {
    const response = await fetch(`${this.app.bot.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body };
  }

  /** Sends a message and returns what the bot sent back to that conversation. */
  async say(
    user: Member,
    text: string,
    /** `channel`: @mention in a channel (true: the team's releases channel; a string: that channel's id). */
    options: { channel?: boolean | string; attachments?: unknown[]; id?: string } = {},
  ): Promise<SentActivity[]> {
    const activity = options.channel
      ? channelMessage(
          this.connector.url,
          user,
          text,
          typeof options.channel === "string" ? options.channel : undefined,
        )
      : personalMessage(this.connector.url, user, text);
    if (options.attachments) activity.attachments = options.attachments;
    if (options.id) activity.id = options.id;
    const from = this.connector.sent.length;
    const result = await this.post(activity);
    if (result.status >= 300) throw new Error(`bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    await this.app.bot.idle();
    return this.connector.sent
      .slice(from)
      .filter((s) => s.conversationId === (activity.conversation as { id: string }).id);
  }

  /** Clicks an Action.Execute button; returns the invoke response and any messages sent after it. */
  async click(
    user: Member,
    verb: string,
    data: Record<string, unknown>,
    options: { id?: string; channel?: boolean } = {},
  ): Promise<{ invoke: PostResult; sent: SentActivity[] }> {
    const activity = cardAction(this.connector.url, user, verb, data, options.channel);
    if (options.id) activity.id = options.id;
    this.lastCardId = activity.replyToId as string;
    const from = this.connector.sent.length;
    const invoke = await this.post(activity);
    await this.app.bot.idle();
    const conversationId = (activity.conversation as { id: string }).id;
    return { invoke, sent: this.connector.sent.slice(from).filter((s) => s.conversationId === conversationId) };
  }
}

function base(serviceUrl: string, user: Member, conversation: Record<string, unknown>): Record<string, unknown> {
  return {
    id: randomUUID(),
    channelId: "msteams",
    serviceUrl,
    timestamp: new Date().toISOString(),
    locale: "en-US",
    from: { id: user.id, name: user.name, ...(user.aadObjectId ? { aadObjectId: user.aadObjectId } : {}) },
    recipient: BOT,
    conversation: { tenantId: user.tenantId ?? TENANT, ...conversation },
    channelData: { tenant: { id: user.tenantId ?? TENANT } },
  };
}

export function personalMessage(serviceUrl: string, user: Member, text: string): Record<string, unknown> {
  return {
    ...base(serviceUrl, user, { id: `personal-${user.id}`, conversationType: "personal" }),
    type: "message",
    text,
    textFormat: "plain",
  };
}

export function channelMessage(
  serviceUrl: string,
  user: Member,
  text: string,
  channelId = "channel-releases-0001",
): Record<string, unknown> {
  const mention = `<at>${BOT.name}</at>`;
  return {
    ...base(serviceUrl, user, {
      id: `${channelId};messageid=1700000000000`,
      conversationType: "channel",
      isGroup: true,
    }),
    type: "message",
    text: `${mention} ${text}`,
    textFormat: "plain",
    entities: [{ type: "mention", text: mention, mentioned: BOT }],
    channelData: {
      tenant: { id: user.tenantId ?? TENANT },
      teamsTeamId: "team-0001",
      teamsChannelId: channelId,
      team: { id: "team-0001" },
      channel: { id: channelId },
    },
  };
}

/** A click on an Action.Execute button of the card message `replyToId` (a new card id each time by default). */
export function cardAction(
  serviceUrl: string,
  user: Member,
  verb: unknown,
  data: unknown,
  channel = false,
): Record<string, unknown> {
  const where = channel
    ? { ...channelMessage(serviceUrl, user, ""), text: undefined, entities: undefined, textFormat: undefined }
    : base(serviceUrl, user, { id: `personal-${user.id}`, conversationType: "personal" });
  return {
    ...where,
    type: "invoke",
    name: "adaptiveCard/action",
    replyToId: `card-${randomUUID()}`,
    value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
  };
}

/** All the text a sent activity shows: its text plus every string in its cards. */
export function visibleText(sent: SentActivity | SentActivity[]): string {
  const list = Array.isArray(sent) ? sent : [sent];
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) if (k !== "type" && k !== "$schema" && k !== "version") walk(x);
  };
  for (const s of list) {
    walk(s.activity.text);
    walk((s.activity.attachments as { content?: unknown }[] | undefined)?.map((a) => a.content));
  }
  return parts.join("\n");
}

/** The Adaptive Card of a sent activity. */
export function cardOf(sent: SentActivity): Record<string, unknown> {
  const card = (
    sent.activity.attachments as { contentType: string; content: Record<string, unknown> }[] | undefined
  )?.[0];
  if (!card || card.contentType !== "application/vnd.microsoft.card.adaptive")
    throw new Error(`not a card: ${JSON.stringify(sent.activity).slice(0, 300)}`);
  return card.content;
}
