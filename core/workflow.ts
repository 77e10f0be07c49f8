/**
 * The review workflow of a discrepancy (DOMAIN.md §5, issue "Review workflow"): which transitions exist, what each
 * needs, and what it changes. The command handlers ask here and refuse with the reason given.
 */
import { roundQuantity, roundValue } from './classification.js';
import { PRODUCT_ROLES, type ProductRole } from './dataverse/roles.js';

export const REVIEW_STATUSES = ['New', 'Count requested', 'Counted', 'Approved', 'Rejected', 'Explained', 'Posting', 'Posted',
  'Post error', 'Synced', 'Sync error'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REASON_CODES = ['Damaged', 'Shrink', 'Receiving error', 'Picking error', 'Integration failure', 'Unit of measure error', 'Timing', 'Unknown'] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export type ReviewAction =
  | { kind: 'requestCount' }
  | { kind: 'recordCount'; countedQty: number }
  /** `approverId`: who approves; they may not approve a count they recorded themselves. */
  | { kind: 'approve'; reasonCode: ReasonCode | undefined; comment?: string | undefined; approverId?: string | undefined }
  | { kind: 'reject'; reasonCode?: ReasonCode | undefined; comment: string | undefined }
  | { kind: 'explain'; reasonCode?: ReasonCode | undefined; comment?: string | undefined; byApprover?: boolean | undefined }
  | { kind: 'startPosting' } | { kind: 'posted' } | { kind: 'postError'; message: string } | { kind: 'retryPosting' }
  | { kind: 'synced' } | { kind: 'syncError'; message: string };

/**
 * Where each action may start from, and where it leads. Every open state has a way on (README, "Reviewing and posting
 * differences"): a rejected line is counted again; an approval or a failed posting can be rejected back for a new
 * count; a sync error is read again once D365 is fixed, or closed as explained with what was done; Explained and
 * Synced are closed.
 */
const TRANSITIONS: Record<ReviewAction['kind'], { from: readonly ReviewStatus[]; to: ReviewStatus }> = {
  requestCount: { from: ['New', 'Rejected'], to: 'Count requested' },
  recordCount: { from: ['New', 'Count requested', 'Counted', 'Rejected'], to: 'Counted' },
  approve: { from: ['Counted'], to: 'Approved' },
  reject: { from: ['Counted', 'Approved', 'Post error'], to: 'Rejected' },
  explain: { from: ['New', 'Count requested', 'Counted', 'Rejected', 'Sync error'], to: 'Explained' },
  startPosting: { from: ['Approved'], to: 'Posting' },
  posted: { from: ['Posting'], to: 'Posted' },
  postError: { from: ['Posting'], to: 'Post error' },
  retryPosting: { from: ['Post error'], to: 'Posting' },
  synced: { from: ['Posted', 'Sync error'], to: 'Synced' },
  syncError: { from: ['Posted', 'Sync error'], to: 'Sync error' },
};

/** The states nothing moves on from. */
export const CLOSED_STATUSES: readonly ReviewStatus[] = ['Explained', 'Synced'];

const VERBS: Record<ReviewAction['kind'], string> = {
  requestCount: 'request a count for', recordCount: 'record a count for', approve: 'approve', reject: 'reject', explain: 'close as explained',
  startPosting: 'post', posted: 'mark as posted', postError: 'mark as failed to post', retryPosting: 'retry posting',
  synced: 'mark as synced', syncError: 'mark as failed to sync',
};

/** What the workflow knows of the discrepancy. */
export interface ReviewSubject {
  status: ReviewStatus;
  classification: 'Material' | 'Timing' | 'Immaterial';
  d365Qty: number;
  residual: number;
  unitCost: number;
  countedQty: number | null;
  /** Who recorded the count, when the workflow knows it. */
  countedBy?: string | null;
}

/** The columns a transition sets (who and when are added by the handler from the signed-in user and the clock). */
export interface ReviewChanges {
  status: ReviewStatus;
  countedQty?: number;
  correctionQty?: number;
  reasonCode?: ReasonCode;
  comment?: string;
  lastError?: string | null;
  /** Which of the who/when column pairs the handler stamps. */
  stamp?: 'requested' | 'counted' | 'decided';
  /** An approval (or a failed posting) taken back: its seal and posting are cleared. */
  withdrawn?: boolean;
}

/** How a count that matches D365 is recorded in the comment of the line it closed. */
export const COUNT_MATCHED = 'Explained — count matched';

/**
 * Whether a command could change this line at all (its status, and for Mark explained its classification; closing a
 * sync error also takes an approver, when who asks is known): what the command bar offers. The review service still
 * decides with everything the user entered.
 */
export function couldChange(command: ReviewCommand, subject: Pick<ReviewSubject, 'status' | 'classification'>, asker?: { approver: boolean }): boolean {
  switch (command) {
    case 'post': return ['Approved', 'Post error'].includes(subject.status);
    case 'refreshIvStatus': return ['Posted', 'Sync error'].includes(subject.status);
    case 'explain': return TRANSITIONS.explain.from.includes(subject.status)
      && (subject.status === 'Sync error' ? asker?.approver !== false : subject.classification !== 'Material');
    default: return TRANSITIONS[command].from.includes(subject.status);
  }
}

export type Transition = { ok: true; changes: ReviewChanges } | { ok: false; reason: string };

/**
 * The correction to post: a count sets on-hand to what was counted, so the delta is counted − D365 quantity
 * (DOMAIN.md §6); without a count the residual the job found is the best estimate.
 */
export function correctionQuantity(subject: Pick<ReviewSubject, 'd365Qty' | 'residual' | 'countedQty'>): number {
  return roundQuantity(subject.countedQty === null ? subject.residual : subject.countedQty - subject.d365Qty);
}

export interface WorkflowSettings {
  /** Approving a correction worth more than this (absolute) needs a confirming comment. */
  confirmAboveValue: number;
}

export function transition(subject: ReviewSubject, action: ReviewAction, settings: WorkflowSettings): Transition {
  const rule = TRANSITIONS[action.kind];
  if (!rule.from.includes(subject.status)) {
    return { ok: false, reason: `Cannot ${VERBS[action.kind]} a discrepancy that is ${subject.status}: only from ${rule.from.join(' or ')}.` };
  }
  switch (action.kind) {
    case 'recordCount': {
      if (!Number.isFinite(action.countedQty) || action.countedQty < 0) return { ok: false, reason: 'The counted quantity must be a number of 0 or more.' };
      const countedQty = roundQuantity(action.countedQty);
      // A count that agrees with D365 leaves nothing to correct: the line is closed and nothing is ever posted.
      if (countedQty === roundQuantity(subject.d365Qty)) {
        return { ok: true, changes: { status: 'Explained', countedQty, stamp: 'counted', comment: `${COUNT_MATCHED}: counted ${countedQty}, as D365 holds; nothing to post.` } };
      }
      return { ok: true, changes: { status: rule.to, countedQty, stamp: 'counted' } };
    }
    case 'approve': {
      if (action.reasonCode === undefined) return { ok: false, reason: 'Approving needs a reason code.' };
      if (correctionQuantity(subject) === 0) {
        return { ok: false, reason: 'The count equals the D365 quantity: there is nothing to correct. Record the count again to close it as explained.' };
      }
      // Segregation of duties: whoever counted does not approve their own count.
      if (action.approverId !== undefined && subject.countedBy && subject.countedBy.toLowerCase() === action.approverId.toLowerCase()) {
        return { ok: false, reason: 'You recorded this count yourself: another approver must approve it.' };
      }
      const correctionQty = correctionQuantity(subject);
      const value = roundValue(Math.abs(correctionQty * subject.unitCost));
      const comment = action.comment?.trim() ?? '';
      if (value > settings.confirmAboveValue && comment === '') {
        return { ok: false, reason: `This correction is worth ${value}, above ${settings.confirmAboveValue}: add a comment to confirm it.` };
      }
      return { ok: true, changes: { status: rule.to, correctionQty, reasonCode: action.reasonCode, stamp: 'decided', ...(comment ? { comment } : {}) } };
    }
    case 'reject': {
      const comment = action.comment?.trim() ?? '';
      if (comment === '') return { ok: false, reason: 'Rejecting needs a comment saying why.' };
      return { ok: true, changes: { status: rule.to, comment, stamp: 'decided', ...(action.reasonCode ? { reasonCode: action.reasonCode } : {}),
        ...(subject.status === 'Counted' ? {} : { withdrawn: true }) } };
    }
    case 'explain': {
      const comment = action.comment?.trim() ?? '';
      if (subject.status === 'Sync error') {
        // IV holds the correction; only D365's journal failed. Closing it is a decision on a posted correction, an
        // approver's, and says what was done about it in D365.
        if (action.byApprover !== true) return { ok: false, reason: 'Closing a sync error takes an Inventory Balance Approver: Inventory Visibility already holds its approved correction.' };
        if (comment === '') return { ok: false, reason: 'Closing a sync error needs a comment saying how D365 was corrected (the journal posted by hand, say).' };
      } else if (subject.classification === 'Material') {
        return { ok: false, reason: 'Only Timing or Immaterial differences are closed as explained; a Material one is counted (a count that matches D365 closes it).' };
      }
      return { ok: true, changes: { status: rule.to, ...(action.reasonCode ? { reasonCode: action.reasonCode } : {}), ...(comment ? { comment } : {}) } };
    }
    case 'requestCount':
      return { ok: true, changes: { status: rule.to, stamp: 'requested' } };
    case 'postError': case 'syncError':
      return { ok: true, changes: { status: rule.to, lastError: action.message } };
    default:
      return { ok: true, changes: { status: rule.to, lastError: null } };
  }
}

/** The review commands, as the command bar and the review request's action name them. */
export const REVIEW_COMMANDS = [
  { command: 'requestCount', label: 'Request count' },
  { command: 'recordCount', label: 'Record count' },
  { command: 'approve', label: 'Approve' },
  { command: 'reject', label: 'Reject' },
  { command: 'explain', label: 'Mark explained' },
  { command: 'post', label: 'Post' },
  { command: 'refreshIvStatus', label: 'Refresh IV status' },
] as const;

export type ReviewCommand = (typeof REVIEW_COMMANDS)[number]['command'];

/**
 * Who may ask for what. Reviewers count and close explained lines; approving, rejecting and posting take an approver.
 * Administrators configure (threshold rules, settings) and take part in the review only through one of these roles.
 */
const COMMAND_ROLES: Record<ReviewCommand, readonly ProductRole[]> = {
  requestCount: ['reviewer', 'approver'],
  recordCount: ['reviewer', 'approver'],
  explain: ['reviewer', 'approver'],
  approve: ['approver'],
  reject: ['approver'],
  post: ['approver'],
  refreshIvStatus: ['approver'],
};

/** Whether a user holding these roles (by id) may run the command. */
export function mayRun(command: ReviewCommand, heldRoleIds: readonly string[]): boolean {
  const held = new Set(heldRoleIds.map((id) => id.replace(/[{}]/g, '').toLowerCase()));
  return COMMAND_ROLES[command].some((role) => held.has(PRODUCT_ROLES[role].id));
}

/** The roles that may run a command, by name, for a refusal users can act on. */
export const rolesFor = (command: ReviewCommand): string[] => COMMAND_ROLES[command].map((role) => PRODUCT_ROLES[role].name);
