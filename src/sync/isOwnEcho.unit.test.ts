import { describe, expect, it } from 'vitest';
import { isOwnEcho } from './isOwnEcho.ts';

const recorded = '2026-12-07T10:00:05.000+0000';
const synced = { state: 'synced' as const, sfSystemModstamp: recorded };
const change = (systemModstamp: string, changedByConnector: boolean, carriesReferralId = true) => ({
  systemModstamp,
  changedByConnector,
  carriesReferralId,
});

describe('isOwnEcho', () => {
  it('skips an opportunity the connector created from a referral before its link is saved, not one a seller made', () => {
    expect(isOwnEcho(change('2026-12-07T10:00:05.000Z', true), null)).toBe(true);
    expect(isOwnEcho(change('2026-12-07T10:00:05.000Z', false), null)).toBe(false);
  });

  it("syncs an unlinked opportunity without a referral id even when the connector's user changed it (Sync ticked)", () => {
    expect(isOwnEcho(change('2026-12-07T10:00:05.000Z', true, false), null)).toBe(false);
  });

  it("skips what the link recorded, and in its very second only the connector's own last write", () => {
    expect(isOwnEcho(change('2026-12-07T10:00:04.000Z', false), synced)).toBe(true);
    expect(isOwnEcho(change('2026-12-07T10:00:05.000Z', true), synced)).toBe(true);
    expect(isOwnEcho(change('2026-12-07T10:00:05.000Z', false), synced)).toBe(false);
  });

  it('syncs anything newer than the link recorded, whoever made it', () => {
    expect(isOwnEcho(change('2026-12-07T10:00:06.000Z', true), synced)).toBe(false);
    expect(isOwnEcho(change('2026-12-07T10:00:06.000Z', false), synced)).toBe(false);
  });

  it('syncs a deal whose link is not in sync or has recorded no stamp', () => {
    expect(
      isOwnEcho(change('2026-12-07T10:00:04.000Z', true), { state: 'error', sfSystemModstamp: recorded }),
    ).toBe(false);
    expect(
      isOwnEcho(change('2026-12-07T10:00:04.000Z', true), { state: 'synced', sfSystemModstamp: null }),
    ).toBe(false);
  });
});
