// Which attachment URLs the bot will fetch in Azure mode (Teams' file hosts only) — decided before any request.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachedJson, isListedHost, TEAMS_FILE_HOSTS, type AttachmentPolicy } from "../../../src/teams/attachments.js";

const AZURE: AttachmentPolicy = { hosts: TEAMS_FILE_HOSTS, allowLoopbackConnector: false };
const LOCAL: AttachmentPolicy = { hosts: TEAMS_FILE_HOSTS, allowLoopbackConnector: true };

let server: Server;
let local: string;
const hits: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fileAt = (url: string) => [{ contentType: "application/json", name: "p.json", contentUrl: url }];

describe("attachment downloads", () => {
  it.each([
    "https://evil.example/p.json",
    "https://contoso.sharepoint.com.evil.example/p.json",
    "https://sharepoint.com/p.json",
    "https://evilsharepoint.com/p.json",
    "https://contoso.evilsharepoint.com/p.json",
    "http://contoso.sharepoint.com/p.json",
    "https://user:pw@contoso.sharepoint.com/p.json",
    "file:///etc/passwd",
    "https://169.254.169.254/metadata/identity",
  ])("refuses %s in Azure mode without a request", async (url) => {
    const file = attachedJson(fileAt(url), "https://smba.trafficmanager.net/emea/", AZURE, 1024);
    expect(await file?.read()).toEqual({
      ok: false,
      error: "GreenLight downloads only files that Teams stores; that link points elsewhere",
    });
  });

  it("takes '*.sharepoint.com' as any name under sharepoint.com, at any depth, but not sharepoint.com itself or evilsharepoint.com", () => {
    const hosts = ["*.sharepoint.com", "files.example"];
    expect(isListedHost(hosts, "contoso.sharepoint.com")).toBe(true);
    expect(isListedHost(hosts, "contoso-my.sharepoint.com")).toBe(true);
    expect(isListedHost(hosts, "a.b.sharepoint.com")).toBe(true);
    expect(isListedHost(hosts, "Contoso.SharePoint.COM")).toBe(true);
    expect(isListedHost(hosts, "sharepoint.com")).toBe(false);
    expect(isListedHost(hosts, "evilsharepoint.com")).toBe(false);
    expect(isListedHost(hosts, "contoso.evilsharepoint.com")).toBe(false);
    expect(isListedHost(hosts, "contoso.sharepoint.com.evil.example")).toBe(false);
    // An exact name matches only itself.
    expect(isListedHost(hosts, "files.example")).toBe(true);
    expect(isListedHost(hosts, "a.files.example")).toBe(false);
  });

  it("does not treat a loopback connector as a file host in Azure mode", async () => {
    const file = attachedJson(fileAt(`${local}/p.json`), local, AZURE, 1024);
    expect((await file?.read())?.ok).toBe(false);
    expect(hits).toEqual([]);
  });

  it("reads from the message's own loopback connector in local mode, and from no other local port", async () => {
    expect(await attachedJson(fileAt(`${local}/p.json`), local, LOCAL, 1024)?.read()).toEqual({
      ok: true,
      value: "{}",
    });
    expect(hits).toEqual(["/p.json"]);
    const other = attachedJson(fileAt(`${local}/p.json`), "http://127.0.0.1:1/", LOCAL, 1024);
    expect((await other?.read())?.ok).toBe(false);
    expect(hits).toEqual(["/p.json"]);
  });

  it("finds no file when nothing attached is JSON, and reads nothing until asked", () => {
    expect(attachedJson([{ contentType: "text/html", content: "<p>hi</p>" }], local, LOCAL, 1024)).toBeUndefined();
    attachedJson(fileAt(`${local}/later.json`), local, LOCAL, 1024);
    expect(hits).not.toContain("/later.json");
  });
});
