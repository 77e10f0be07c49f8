import { COUNT_MATCHED, correctionQuantity, couldChange, transition, type ReviewAction, type ReviewSubject } from '../../core/workflow';

const subject = (over: Partial<ReviewSubject> = {}): ReviewSubject =>
  ({ status: 'New', classification: 'Material', d365Qty: 100, residual: -10, unitCost: 4, countedQty: null, ...over });
const settings = { confirmAboveValue: 1000 };

describe('review workflow', () => {
  it('goes New → Count requested → Counted → Approved, stamping who asked and who decided', () => {
    const requested = transition(subject(), { kind: 'requestCount' }, settings);
    expect(requested).toEqual({ ok: true, changes: { status: 'Count requested', stamp: 'requested' } });
    expect(transition(subject({ status: 'Count requested' }), { kind: 'recordCount', countedQty: 93 }, settings))
      .toEqual({ ok: true, changes: { status: 'Counted', countedQty: 93, stamp: 'counted' } });
    // Counted 93 against 100 in D365: the correction is -7, worth 28.
    expect(transition(subject({ status: 'Counted', countedQty: 93 }), { kind: 'approve', reasonCode: 'Shrink' }, settings))
      .toEqual({ ok: true, changes: { status: 'Approved', correctionQty: -7, reasonCode: 'Shrink', stamp: 'decided' } });
  });

  it('refuses any other transition and says why', () => {
    expect(transition(subject(), { kind: 'approve', reasonCode: 'Shrink' }, settings))
      .toEqual({ ok: false, reason: 'Cannot approve a discrepancy that is New: only from Counted.' });
    expect(transition(subject({ status: 'Posted' }), { kind: 'startPosting' }, settings).ok).toBe(false);
    expect(transition(subject({ status: 'Synced' }), { kind: 'requestCount' }, settings).ok).toBe(false);
  });

  it('needs a reason code to approve, and a confirming comment above the value limit', () => {
    const counted = subject({ status: 'Counted', countedQty: 0, unitCost: 50 });
    expect(transition(counted, { kind: 'approve', reasonCode: undefined }, settings)).toEqual({ ok: false, reason: 'Approving needs a reason code.' });
    // Counted 0 of 100 at 50 each: -100 worth 5,000, above 1,000.
    expect(transition(counted, { kind: 'approve', reasonCode: 'Damaged' }, settings))
      .toEqual({ ok: false, reason: 'This correction is worth 5000, above 1000: add a comment to confirm it.' });
    expect(transition(counted, { kind: 'approve', reasonCode: 'Damaged', comment: 'Pallet crushed, photos in ticket 4711' }, settings))
      .toMatchObject({ ok: true, changes: { correctionQty: -100, comment: 'Pallet crushed, photos in ticket 4711' } });
  });

  it('needs a comment to reject', () => {
    expect(transition(subject({ status: 'Counted', countedQty: 100 }), { kind: 'reject', comment: ' ' }, settings).ok).toBe(false);
    expect(transition(subject({ status: 'Counted', countedQty: 100 }), { kind: 'reject', comment: 'Recount matches D365' }, settings))
      .toMatchObject({ ok: true, changes: { status: 'Rejected', stamp: 'decided' } });
  });

  it('closes only Timing or Immaterial differences as explained, from New or Counted', () => {
    expect(transition(subject({ classification: 'Timing' }), { kind: 'explain', reasonCode: 'Timing' }, settings))
      .toEqual({ ok: true, changes: { status: 'Explained', reasonCode: 'Timing' } });
    expect(transition(subject(), { kind: 'explain' }, settings).ok).toBe(false);
    expect(transition(subject({ classification: 'Immaterial', status: 'Approved' }), { kind: 'explain' }, settings).ok).toBe(false);
  });

  it('moves through posting and sync, keeping the error text and clearing it on retry', () => {
    expect(transition(subject({ status: 'Approved' }), { kind: 'startPosting' }, settings)).toMatchObject({ ok: true, changes: { status: 'Posting' } });
    expect(transition(subject({ status: 'Posting' }), { kind: 'postError', message: 'IV said 500' }, settings))
      .toEqual({ ok: true, changes: { status: 'Post error', lastError: 'IV said 500' } });
    expect(transition(subject({ status: 'Post error' }), { kind: 'retryPosting' }, settings))
      .toEqual({ ok: true, changes: { status: 'Posting', lastError: null } });
    expect(transition(subject({ status: 'Posted' }), { kind: 'syncError', message: 'FnOTransPostError' }, settings)).toMatchObject({ ok: true, changes: { status: 'Sync error' } });
  });

  it('corrects by the count when there is one, else by the residual', () => {
    expect(correctionQuantity({ d365Qty: 100, residual: -10, countedQty: 95.5 })).toBe(-4.5);
    expect(correctionQuantity({ d365Qty: 100, residual: -10, countedQty: null })).toBe(-10);
  });
});

describe('review workflow: every open state has a way on', () => {
  const statuses = ['New', 'Count requested', 'Counted', 'Approved', 'Rejected', 'Posting', 'Posted', 'Post error', 'Sync error'] as const;
  const ways: Record<(typeof statuses)[number], ReviewAction[]> = {
    New: [{ kind: 'requestCount' }, { kind: 'recordCount', countedQty: 90 }],
    'Count requested': [{ kind: 'recordCount', countedQty: 90 }],
    Counted: [{ kind: 'approve', reasonCode: 'Shrink', comment: 'ok' }, { kind: 'reject', comment: 'recount' }, { kind: 'recordCount', countedQty: 91 }],
    Approved: [{ kind: 'startPosting' }, { kind: 'reject', comment: 'taken back before posting' }],
    Rejected: [{ kind: 'requestCount' }, { kind: 'recordCount', countedQty: 92 }],
    Posting: [{ kind: 'posted' }, { kind: 'postError', message: 'IV said no' }],
    Posted: [{ kind: 'synced' }, { kind: 'syncError', message: 'journal failed' }],
    'Post error': [{ kind: 'retryPosting' }, { kind: 'reject', comment: 'not to be posted' }],
    'Sync error': [{ kind: 'synced' }, { kind: 'explain', comment: 'Journal posted by hand in D365', byApprover: true }],
  };
  it.each(statuses)('%s', (status) => {
    for (const action of ways[status]) expect(transition(subject({ status, countedQty: 90 }), action, settings)).toMatchObject({ ok: true });
  });

  it('closes a line whose count equals the D365 quantity as explained, with nothing to post, and never approves a zero correction', () => {
    expect(transition(subject({ status: 'Count requested' }), { kind: 'recordCount', countedQty: 100 }, settings)).toEqual({ ok: true,
      changes: { status: 'Explained', countedQty: 100, stamp: 'counted', comment: `${COUNT_MATCHED}: counted 100, as D365 holds; nothing to post.` } });
    expect(transition(subject({ status: 'Counted', countedQty: 100 }), { kind: 'approve', reasonCode: 'Shrink' }, settings))
      .toEqual({ ok: false, reason: 'The count equals the D365 quantity: there is nothing to correct. Record the count again to close it as explained.' });
  });

  it('takes back an approval or a failed posting (its seal and posting cleared), and closes a sync error only with a comment', () => {
    expect(transition(subject({ status: 'Approved', countedQty: 90 }), { kind: 'reject', comment: 'wrong bin' }, settings))
      .toMatchObject({ ok: true, changes: { status: 'Rejected', withdrawn: true } });
    expect(transition(subject({ status: 'Sync error', countedQty: 90 }), { kind: 'explain', byApprover: true }, settings)).toMatchObject({ ok: false });
  });

  it('leaves closing a sync error to an approver: IV already holds its approved correction', () => {
    expect(transition(subject({ status: 'Sync error', countedQty: 90 }), { kind: 'explain', comment: 'fixed in D365, trust me' }, settings))
      .toEqual({ ok: false, reason: 'Closing a sync error takes an Inventory Balance Approver: Inventory Visibility already holds its approved correction.' });
    expect(transition(subject({ status: 'Sync error', countedQty: 90 }), { kind: 'explain', comment: 'Journal posted by hand', byApprover: true }, settings))
      .toMatchObject({ ok: true, changes: { status: 'Explained' } });
  });

  it('offers a command only where it could change the line', () => {
    expect(couldChange('explain', { status: 'New', classification: 'Material' })).toBe(false);
    expect(couldChange('explain', { status: 'New', classification: 'Timing' })).toBe(true);
    expect(couldChange('explain', { status: 'Sync error', classification: 'Material' })).toBe(true);
    // Closing a sync error is offered to an approver, not to a reviewer.
    expect(couldChange('explain', { status: 'Sync error', classification: 'Material' }, { approver: true })).toBe(true);
    expect(couldChange('explain', { status: 'Sync error', classification: 'Timing' }, { approver: false })).toBe(false);
    expect(couldChange('recordCount', { status: 'Rejected', classification: 'Material' })).toBe(true);
    expect(couldChange('approve', { status: 'Counted', classification: 'Material' })).toBe(true);
    expect(couldChange('approve', { status: 'Synced', classification: 'Material' })).toBe(false);
    expect(couldChange('post', { status: 'Post error', classification: 'Material' })).toBe(true);
    expect(couldChange('refreshIvStatus', { status: 'Sync error', classification: 'Material' })).toBe(true);
  });
});
