import tseslint from "typescript-eslint";
import { layerRules } from "./eslint.layers.js";

export default tseslint.config(
  {
    ignores: [
      "eslint.config.js",
      "eslint.layers.js",
      "node_modules/",
      "dist/",
      ".data/",
      "devTools/",
      "src/emulator/seed/code/**",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // npm runs postinstall.mjs with plain node, before anything is compiled.
        projectService: { allowDefaultProject: ["scripts/postinstall.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...layerRules,
);
