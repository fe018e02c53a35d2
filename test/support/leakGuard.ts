/**
 * Setup file for every test project: fails a test file that leaves servers, timers or child processes behind.
 * It counts the handles that keep Node's event loop alive (process.getActiveResourcesInfo) before the file's
 * tests and again after its last afterAll; anything left over (after waiting for closing handles to finish)
 * fails the file with what was left and what to do. Unref'd timers and client sockets are not counted.
 */
import { afterAll, beforeAll } from 'vitest';

import { countWatchedResources, leakedResources } from './leakedResources.ts';

const SETTLE_MS = 2_000;
let baseline = new Map<string, number>();

beforeAll(() => {
  baseline = countWatchedResources(process.getActiveResourcesInfo());
});

afterAll(async () => {
  // Handles closed in the file's afterAll may need a few turns of the loop to go away.
  const deadline = Date.now() + SETTLE_MS;
  let leaks = leakedResources(baseline, countWatchedResources(process.getActiveResourcesInfo()));
  while (leaks.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
    leaks = leakedResources(baseline, countWatchedResources(process.getActiveResourcesInfo()));
  }
  if (leaks.length > 0)
    throw new Error(
      `This test file left ${leaks.join(', ')} running after its tests. Close servers, clear timers and stop child processes in afterAll/afterEach (or unref a timer that must outlive the test).`,
    );
});
