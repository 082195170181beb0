import { canMoveOrder, licenseDecision } from './license-status';

describe('licenseDecision', () => {
  it('derives the license from the order facts, whatever order they arrived in', () => {
    expect(licenseDecision({ status: 'PENDING', disputeStatus: null })).toBeNull();
    expect(licenseDecision({ status: 'FAILED', disputeStatus: null })).toBeNull();
    expect(licenseDecision({ status: 'PAID', disputeStatus: null })?.status).toBe('ACTIVE');
    expect(licenseDecision({ status: 'PAID', disputeStatus: 'OPEN' })?.status).toBe('SUSPENDED');
    expect(licenseDecision({ status: 'PAID', disputeStatus: 'WON' })?.status).toBe('ACTIVE');
    expect(licenseDecision({ status: 'PAID', disputeStatus: 'LOST' })?.status).toBe('REVOKED');
    expect(licenseDecision({ status: 'REFUNDED', disputeStatus: 'WON' })?.status).toBe('REVOKED');
    expect(licenseDecision({ status: 'PAID', disputeStatus: null, supersededAt: new Date() })?.status).toBe('REVOKED');
    expect(licenseDecision({ status: 'PENDING', disputeStatus: null, supersededAt: new Date() })).toBeNull();
  });
});

describe('canMoveOrder', () => {
  it('only moves forward and never leaves REFUNDED', () => {
    expect(canMoveOrder('PENDING', 'PAID')).toBe(true);
    expect(canMoveOrder('FAILED', 'PAID')).toBe(true);
    expect(canMoveOrder('PAID', 'REFUNDED')).toBe(true);
    expect(canMoveOrder('PENDING', 'REFUNDED')).toBe(true);
    expect(canMoveOrder('PAID', 'FAILED')).toBe(false);
    expect(canMoveOrder('REFUNDED', 'PAID')).toBe(false);
    expect(canMoveOrder('PAID', 'PAID')).toBe(false);
  });
});
