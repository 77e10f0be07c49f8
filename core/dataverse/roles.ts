/**
 * The solution's security roles by id (solution/src/Roles): import keeps a role's id in the root business unit, and
 * a copy in a child business unit points back to it through parentrootroleid. Whoever checks a caller's roles
 * compares these ids, never names: anyone can make a role with the same name.
 */
export const PRODUCT_ROLES = {
  reviewer: { id: '665fe7b1-7953-593e-b0b6-cfabc27902f4', name: 'Inventory Balance Reviewer' },
  approver: { id: 'ab49a317-084b-5501-9e70-45abcf2e6da8', name: 'Inventory Balance Approver' },
  administrator: { id: '79298cbf-5d83-5b0a-b4a3-822ad65f464c', name: 'Inventory Balance Administrator' },
  /** The reconcile job's application user: writes runs and their discrepancies. */
  reconcileJob: { id: '2d0f5d3a-6f0e-5b8e-9a51-3c7a1f0b2e61', name: 'Inventory Balance Reconcile Job' },
  /** The review service's application user: the only one that changes the review workflow and posts. */
  reviewService: { id: '9b3c4e2f-1a7d-5c60-8e42-d5f6a7b8c9d0', name: 'Inventory Balance Review Service' },
} as const;

export type ProductRole = keyof typeof PRODUCT_ROLES;
