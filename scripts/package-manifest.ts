import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";
import { COMMANDS, MENU_SCOPES } from "../src/core/commands/command-table.js";
import { crc32 } from "./lib/crc32.js";

interface CommandList {
  scopes: string[];
  commands: { title: string; description: string }[];
}

/** The bot's command menus, one per scope, from the command table's menu items. */
export function commandLists(): CommandList[] {
  return MENU_SCOPES.map((scope) => ({
    scopes: [scope],
    commands: COMMANDS.flatMap((c) => (c.menu?.scopes.includes(scope) ? [{ ...c.menu, action: c.action }] : []))
      .sort((a, b) => a.place - b.place)
      .map((item) => ({ title: item.action.replace(".", " "), description: item.description })),
  }));
}

/**
 * Builds the Teams app package: manifest/manifest.template.json filled from the environment, with the command menus
 * from the command table, plus the two icons, zipped to dist/appPackage.zip. `npm run manifest` (needs
 * MicrosoftAppId; TEAMS_APP_ID defaults to it).
 */
export function fillManifest(vars: Record<string, string | undefined>): Record<string, unknown> {
  const template = readFileSync("manifest/manifest.template.json", "utf8");
  const filled = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (!value) throw new Error(`Set ${name} to build the Teams app package.`);
    return value;
  });
  const manifest = JSON.parse(filled) as { bots: Record<string, unknown>[] } & Record<string, unknown>;
  return { ...manifest, bots: manifest.bots.map((bot) => ({ ...bot, commandLists: commandLists() })) };
}

/** A zip archive (deflate) of the given files. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const compressed = deflateRawSync(file.data);
    const crc = crc32(file.data);
    const name = Buffer.from(file.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const manifest = fillManifest({
    MicrosoftAppId: env.MicrosoftAppId,
    TEAMS_APP_ID: env.TEAMS_APP_ID ?? env.MicrosoftAppId,
    WEBSITE_URL: env.WEBSITE_URL ?? "https://github.com/greenlight",
  });
  mkdirSync("dist", { recursive: true });
  writeFileSync(
    "dist/appPackage.zip",
    zip([
      { name: "manifest.json", data: Buffer.from(JSON.stringify(manifest, null, 2)) },
      { name: "color.png", data: readFileSync("manifest/color.png") },
      { name: "outline.png", data: readFileSync("manifest/outline.png") },
    ]),
  );
  console.log("wrote dist/appPackage.zip");
}
