import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An activity the bot sent to the connector. */
export interface SentActivity {
  conversationId: string;
  /** `send` (new message or reply), `update` (updateActivity), or `create` (a new channel thread). */
  kind: "send" | "update" | "create";
  activity: Record<string, unknown>;
  /** For `create`: the conversation parameters (channel, tenant). */
  parameters?: Record<string, unknown>;
  /** The request's Authorization header (the bot's token for the connector), when it sent one. */
  authorization?: string;
}

export interface Member {
  id: string;
  name: string;
  aadObjectId?: string;
  userPrincipalName?: string;
  /** The Entra tenant the person's activities come from (the test tenant when absent). */
  tenantId?: string;
}

/**
 * A local Bot Framework connector (the `serviceUrl` of test activities): records what the bot sends, answers
 * roster look-ups, and serves attached files.
 */
export class ConnectorServer {
  readonly sent: SentActivity[] = [];
  readonly members = new Map<string, Member>();
  readonly files = new Map<string, string>();
  /** Every file download the connector answered (names as requested), to prove a download did not happen. */
  readonly fileRequests: string[] = [];
  /** Files whose download answers 302 to another URL. */
  readonly redirects = new Map<string, string>();
  /** When set, roster look-ups (GET …/members/:id) fail with 500, as a Teams outage would. */
  failRoster = false;
  /** How many of the next messages and updates to refuse, as Teams does once the bot was removed from the chat. */
  refuseSends = 0;
  /** How many of the next messages and updates to throttle (429), as a busy Teams does. */
  throttleSends = 0;
  /** When set, new channel threads (a card's post) are refused, as Teams does once the bot was removed from the team. */
  refuseChannelPosts = false;
  private server: Server | undefined;
  private waiters: { check: () => void }[] = [];
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, headers }) => {
        const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
        res.writeHead(status, {
          "content-type": typeof body === "string" ? "application/octet-stream" : "application/json",
          ...headers,
        });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** URL at which `name` is served, for attachments. */
  fileUrl(name: string): string {
    return `${this.url}/files/${encodeURIComponent(name)}`;
  }

  /** Resolves with the activities sent to `conversationId` after index `from`, once `count` have arrived. */
  async waitForSent(conversationId: string, from: number, count = 1, timeoutMs = 15_000): Promise<SentActivity[]> {
    const matching = (): SentActivity[] => this.sent.slice(from).filter((s) => s.conversationId === conversationId);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`expected ${count} activities in ${conversationId}, got ${matching().length}`));
      }, timeoutMs);
      const waiter = {
        check: () => {
          const found = matching();
          if (found.length >= count) {
            clearTimeout(timer);
            this.waiters = this.waiters.filter((w) => w !== waiter);
            resolve(found);
          }
        },
      };
      this.waiters.push(waiter);
      waiter.check();
    });
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const url = new URL(req.url ?? "/", this.url);
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "files" && parts[1] !== undefined) {
      this.fileRequests.push(parts[1]);
      const location = this.redirects.get(parts[1]);
      if (location !== undefined) return { status: 302, body: "", headers: { location } };
      const file = this.files.get(parts[1]);
      return file === undefined ? { status: 404, body: { error: "no such file" } } : { status: 200, body: file };
    }
    if (parts[0] === "v3" && parts[1] === "conversations" && parts.length === 2 && req.method === "POST") {
      if (this.refuseChannelPosts) {
        return { status: 403, body: { error: { code: "BotNotInConversationRoster", message: "not in the team" } } };
      }
      const parameters = JSON.parse(await readAll(req)) as Record<string, unknown>;
      const channel = (parameters.channelData as { channel?: { id?: string } } | undefined)?.channel?.id ?? "chat";
      // As Teams does: a new thread is named after its first message.
      const activityId = randomUUID();
      const conversationId = `${channel};messageid=${activityId}`;
      this.sent.push({
        conversationId,
        kind: "create",
        activity: (parameters.activity ?? {}) as Record<string, unknown>,
        parameters,
        ...authorizationOf(req),
      });
      for (const w of [...this.waiters]) w.check();
      return { status: 201, body: { id: conversationId, activityId } };
    }
    if (parts[0] === "v3" && parts[1] === "conversations" && parts[2] !== undefined) {
      const conversationId = parts[2];
      if (parts[3] === "members" && parts[4] !== undefined && req.method === "GET") {
        if (this.failRoster) return { status: 500, body: { error: { code: "ServiceError", message: "roster down" } } };
        // As Teams does, a member is found by Teams id, Entra object id or UPN.
        const wanted = parts[4].toLowerCase();
        const member =
          this.members.get(parts[4]) ??
          [...this.members.values()].find(
            (m) => m.aadObjectId?.toLowerCase() === wanted || m.userPrincipalName?.toLowerCase() === wanted,
          );
        return member ? { status: 200, body: member } : { status: 404, body: { error: { code: "MemberNotFound" } } };
      }
      if (parts[3] === "activities" && (req.method === "POST" || req.method === "PUT")) {
        if (this.throttleSends > 0) {
          this.throttleSends -= 1;
          return { status: 429, body: { error: { code: "Throttled", message: "too many requests" } } };
        }
        if (this.refuseSends > 0) {
          this.refuseSends -= 1;
          return { status: 403, body: { error: { code: "BotNotInConversationRoster", message: "not in the chat" } } };
        }
        const activity = JSON.parse(await readAll(req)) as Record<string, unknown>;
        this.sent.push({
          conversationId,
          kind: req.method === "PUT" ? "update" : "send",
          activity,
          ...authorizationOf(req),
        });
        for (const w of [...this.waiters]) w.check();
        return {
          status: req.method === "PUT" ? 200 : 201,
          body: { id: parts[4] && req.method === "PUT" ? parts[4] : randomUUID() },
        };
      }
    }
    return { status: 404, body: { error: `no connector route for ${req.method} ${url.pathname}` } };
  }
}

function authorizationOf(req: IncomingMessage): { authorization?: string } {
  return req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization };
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}
