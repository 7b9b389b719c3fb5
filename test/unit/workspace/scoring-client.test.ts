// Scoring over kept-alive connections, against a real HTTPS server that drops connections the way endpoints do: a
// server closes a connection it holds idle (Node's keepAliveTimeout, Azure's front door) while the client may be
// sending the next request on it. That request is sent again on a new connection; a request the endpoint may have
// scored (it began to answer, or the connection was new) is never sent twice.
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, Agent, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureTlsMaterial, type TlsMaterial } from "../../../src/emulator/tls.js";
import { postScoring, ScoringNetworkError, type ScoringAnswer } from "../../../src/workspace/scoring-client.js";

/** What the server does with the n-th request (from 1) it reads on a connection. */
type Behaviour = (req: IncomingMessage, res: ServerResponse, nthOnConnection: number) => void;

const score: Behaviour = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify([1]));
};
/** As a server whose idle timeout closes the connection just as a request arrives: no answer, connection gone. */
const dropConnection: Behaviour = (req) => req.socket.destroy();
/** Starts the answer, then the connection breaks: the request was scored. */
const breakWhileAnswering: Behaviour = (req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
  res.write("[1", () => req.socket.destroy());
};

describe("postScoring over kept-alive connections", () => {
  let dir: string;
  let tls: TlsMaterial;
  let server: Server;
  let url: string;
  let agent: Agent;
  let behaviour: Behaviour;
  /** Requests the server read in this test, by the connection (1, 2, …) they came on. */
  let received: number[];
  let nextConnection: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "greenlight-scoring-client-"));
    tls = ensureTlsMaterial(dir);
    const connections = new WeakMap<Socket, { id: number; requests: number }>();
    server = createServer({ key: tls.keyPem, cert: tls.certPem, keepAlive: true }, (req, res) => {
      let connection = connections.get(req.socket);
      if (!connection) connections.set(req.socket, (connection = { id: nextConnection++, requests: 0 }));
      connection.requests += 1;
      received.push(connection.id);
      req.resume();
      req.on("end", () => behaviour(req, res, connection.requests));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/endpoints/e/score`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    agent = new Agent({ keepAlive: true, ca: tls.caCertPem });
    received = [];
    nextConnection = 1;
  });
  afterEach(() => agent.destroy());

  const post = (): Promise<ScoringAnswer> => postScoring(url, "{}", {}, { agent, timeoutMs: 10_000 });
  const failureOf = async (posting: Promise<unknown>): Promise<ScoringNetworkError> => {
    const error = await posting.then(
      () => expect.fail("expected a network failure"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScoringNetworkError);
    return error as ScoringNetworkError;
  };

  it("answers when the endpoint closes the kept-alive connection as the request goes out: sent again on a new one", async () => {
    behaviour = (req, res, n) => (n === 1 ? score(req, res, n) : dropConnection(req, res, n));
    expect((await post()).status).toBe(200);

    const answer = await post();

    expect(answer.status).toBe(200);
    expect(answer.body).toBe("[1]");
    // The first connection's second request was dropped unanswered; the new connection scored it.
    expect(received).toEqual([1, 1, 2]);
  });

  it("does not send a request again once the endpoint began to answer it, and says the connection broke", async () => {
    behaviour = (req, res, n) => (n === 1 ? score(req, res, n) : breakWhileAnswering(req, res, n));
    await post();

    const error = await failureOf(post());

    expect(error.message).toBe("connection reset by the endpoint while it was answering");
    expect(received).toEqual([1, 1]);
  });

  it("does not send a request again when a new connection is reset", async () => {
    behaviour = dropConnection;

    const error = await failureOf(post());

    expect(error.message).toBe("connection reset by the endpoint");
    expect(received).toEqual([1]);
  });

  it("sends it again once only, and says so when the new connection is reset too", async () => {
    behaviour = (req, res, n) => (received.length === 1 ? score(req, res, n) : dropConnection(req, res, n));
    await post();

    const error = await failureOf(post());

    expect(error.message).toBe("connection reset by the endpoint, also on a new connection");
    expect(received).toEqual([1, 1, 2]);
  });
});
