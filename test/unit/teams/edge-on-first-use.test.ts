import { describe, expect, it } from "vitest";
import type { Logger } from "../../../src/logger.js";
import type { Notice, Notifier } from "../../../src/ports/notifier.js";
import { EdgeOnFirstUse } from "../../../src/teams/edge-on-first-use.js";
import type { TeamsEdge } from "../../../src/teams/teams-edge.js";

const notice = { kind: "text", text: "hello" } as Notice;

/** An edge whose notifier keeps what it was asked to send, and whose bot has one background reply pending. */
function anEdge(sent: string[], background: Promise<void> = Promise.resolve()): TeamsEdge {
  const notifier: Pick<Notifier, "sendToConversation"> = {
    sendToConversation: (conversationId) => {
      sent.push(conversationId);
      return Promise.resolve(true);
    },
  };
  return { adapter: {}, bot: { idle: () => background }, notifier } as unknown as TeamsEdge;
}

function aLog(lines: string[]): Logger {
  const line = (message: string) => lines.push(message);
  return { info: line, warn: line, error: line };
}

describe("the Teams edge loaded on first use", () => {
  it("loads nothing until asked, then once for everyone who asks meanwhile", async () => {
    let loads = 0;
    const sent: string[] = [];
    const edge = new EdgeOnFirstUse(() => {
      loads += 1;
      return Promise.resolve(anEdge(sent));
    }, aLog([]));
    await edge.idle();
    expect(loads).toBe(0);

    const [first, second] = await Promise.all([edge.get(), edge.get()]);
    await edge.notifier.sendToConversation("chat-1", notice);

    expect(first).toBe(second);
    expect(loads).toBe(1);
    expect(sent).toEqual(["chat-1"]);
  });

  it("sends a proactive message due before any turn, loading the edge for it", async () => {
    const sent: string[] = [];
    const edge = new EdgeOnFirstUse(() => Promise.resolve(anEdge(sent)), aLog([]));

    expect(await edge.notifier.sendToConversation("chat-2", notice)).toBe(true);
    expect(sent).toEqual(["chat-2"]);
  });

  it("is idle only once the bot's background replies are sent", async () => {
    let finish = (): void => {};
    const background = new Promise<void>((resolve) => (finish = resolve));
    const edge = new EdgeOnFirstUse(() => Promise.resolve(anEdge([], background)), aLog([]));
    await edge.get();

    let idle = false;
    const waiting = edge.idle().then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(idle).toBe(false);
    finish();
    await waiting;
    expect(idle).toBe(true);
  });

  it("says once in the log when the edge cannot load, and fails every request", async () => {
    const lines: string[] = [];
    const edge = new EdgeOnFirstUse(() => Promise.reject(new Error("Cannot find module 'botbuilder'")), aLog(lines));

    await expect(edge.get()).rejects.toThrow("botbuilder");
    await expect(edge.notifier.sendToConversation("chat-3", notice)).rejects.toThrow("botbuilder");
    await edge.idle();
    expect(lines).toEqual(["could not load the Teams edge"]);
  });
});
