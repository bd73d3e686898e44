/**
 * What every part's StrykerJS run shares (npm run test:mutation, scripts/mutation.mjs): the jest
 * runner with per-test coverage (each mutant runs only the tests that reach it), one process
 * (the machine has two cores), reports under bench/results/mutation/.
 */
export function strykerConfig(part, { mutate, jestConfig }) {
  return {
    packageManager: 'npm',
    testRunner: 'jest',
    jest: { projectType: 'custom', configFile: jestConfig, enableFindRelatedTests: false },
    coverageAnalysis: 'perTest',
    concurrency: 1,
    mutate,
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: `bench/results/mutation/${part}.html` },
    jsonReporter: { fileName: `bench/results/mutation/${part}.json` },
    tempDirName: `.stryker-tmp-${part}`,
    cleanTempDir: true,
    ignorePatterns: ['e2e', 'bench/results', 'preview', 'teams', 'sharepoint/solution', 'dist', 'lib', 'temp', 'release', '.local/azurite', 'test-results', 'playwright-report'],
    timeoutMS: 5_000,
    // Module-level mutants (constant tables) would each need a fresh module registry and the whole suite.
    ignoreStatic: true,
    thresholds: { high: 90, low: 80, break: null }
  };
}
