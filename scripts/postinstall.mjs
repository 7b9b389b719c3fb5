// npm install's last step (npm ci's and App Service's build's too): the installed PGlite's database template, so that a
// first `npm start` copies its database instead of creating it (src/store/pglite-template.ts). It never fails the
// install: without a template, the first start makes one.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   tsImport's module is untyped */
import { existsSync } from "node:fs";

// A dry run installs nothing, tsx included.
if (existsSync(new URL("../node_modules/tsx/", import.meta.url))) {
  try {
    const { tsImport } = await import("tsx/esm/api");
    const { databaseTemplate } = await tsImport("../src/store/pglite-template.ts", import.meta.url);
    if (!(await databaseTemplate())) console.log("GreenLight: no database template kept; the first start makes one.");
  } catch (error) {
    console.log(`GreenLight: no database template (${error instanceof Error ? error.message : String(error)}).`);
  }
}
