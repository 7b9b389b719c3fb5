import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppManifestUtils } from "@microsoft/app-manifest";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../src/core/commands/command-table.js";
import { fillManifest, zip } from "../../../scripts/package-manifest.js";

const schema = createRequire(import.meta.url)(
  "@microsoft/app-manifest/build/json-schemas/teams/v1.22/MicrosoftTeams.schema.json",
) as object;
const manifest = fillManifest({
  MicrosoftAppId: "11111111-2222-3333-4444-555555555555",
  TEAMS_APP_ID: "66666666-7777-8888-9999-000000000000",
  WEBSITE_URL: "https://greenlight.example",
});

describe("the Teams app manifest", () => {
  it("is valid against the Teams v1.22 schema", async () => {
    type Args = Parameters<typeof AppManifestUtils.validateAgainstSchema>;
    const errors = await AppManifestUtils.validateAgainstSchema(manifest as unknown as Args[0], schema as Args[1]);
    expect(errors).toEqual([]);
  });

  it("has one command menu per scope, each within Teams' 10 commands, together offering every chat command", () => {
    const bots = manifest.bots as {
      commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
    }[];
    const lists = bots[0]?.commandLists ?? [];
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(["groupChat", "personal", "team"]);
    for (const list of lists) {
      expect(list.commands.length, list.scopes.join()).toBeLessThanOrEqual(10);
      for (const { title, description } of list.commands) {
        expect(title.length, title).toBeLessThanOrEqual(32);
        expect(description.length, title).toBeLessThanOrEqual(128);
      }
    }
    const offered = new Set(lists.flatMap((l) => l.commands.map((c) => c.title)));
    expect([...offered].sort()).toEqual(COMMANDS.map((c) => c.action.replace(".", " ")).sort());
    // What an operator reaches for first is in every scope.
    for (const list of lists)
      expect(list.commands.map((c) => c.title)).toEqual(
        expect.arrayContaining(["help", "deploy", "status", "rollback"]),
      );
  });

  it("takes its command menus from the command table, in each scope the order the table gives", () => {
    const bots = manifest.bots as { commandLists: { scopes: string[]; commands: { title: string }[] }[] }[];
    const titles = (scope: string) =>
      bots[0]?.commandLists.find((l) => l.scopes.includes(scope))?.commands.map((c) => c.title);
    expect(titles("personal")).toEqual([
      "help",
      "deploy",
      "status",
      "rollback",
      "endpoints",
      "show",
      "invoke",
      "logs",
      "sample add",
      "plan",
    ]);
    const template = JSON.parse(readFileSync("manifest/manifest.template.json", "utf8")) as { bots: object[] };
    expect(template.bots[0], "menus are written in the command table, not by hand").not.toHaveProperty("commandLists");
  });

  it("packages manifest and icons into a zip that unzip can read", () => {
    const dir = mkdtempSync(join(tmpdir(), "greenlight-manifest-"));
    try {
      const file = join(dir, "app.zip");
      writeFileSync(
        file,
        zip([
          { name: "manifest.json", data: Buffer.from(JSON.stringify(manifest)) },
          { name: "color.png", data: readFileSync("manifest/color.png") },
        ]),
      );
      const listing = execFileSync(
        "python3",
        [
          "-c",
          `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip()); print(sorted(z.namelist()))`,
          file,
        ],
        { encoding: "utf8" },
      );
      expect(listing).toContain("None");
      expect(listing).toContain("'color.png', 'manifest.json'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
