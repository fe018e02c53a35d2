import { describe, expect, it } from 'vitest';
import { countWatchedResources, leakedResources } from '../support/leakedResources.ts';

describe('the leak guard', () => {
  it('reports servers, timers and child processes opened beyond the baseline, and ignores client sockets', () => {
    const baseline = countWatchedResources(['TCPServerWrap', 'Timeout', 'TCPSocketWrap', 'FSReqCallback']);
    const now = countWatchedResources([
      'TCPServerWrap',
      'TCPServerWrap',
      'TCPServerWrap',
      'Timeout',
      'ProcessWrap',
      'TCPSocketWrap',
      'TCPSocketWrap',
    ]);
    expect(leakedResources(baseline, now)).toEqual(['2 × listening TCP server', '1 × child process']);
  });

  it('reports nothing when everything opened was closed', () => {
    const baseline = countWatchedResources(['Timeout']);
    expect(leakedResources(baseline, countWatchedResources(['Timeout']))).toEqual([]);
  });
});
