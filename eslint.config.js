import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["eslint.config.js", "node_modules/", "dist/", ".data/", "devTools/", "src/emulator/seed/code/**"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["botbuilder", "botbuilder-*"], message: "botbuilder belongs in src/teams only." }] },
      ],
    },
  },
  {
    files: ["src/teams/**", "test/**"],
    rules: { "no-restricted-imports": "off" },
  },
);
