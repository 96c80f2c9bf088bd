// What each role may do in the UI. The API enforces the same rules; the UI only hides what would fail.

export const can = {
  annotate: me => ['admin', 'annotator'].includes(me.role),
  viewDashboard: me => ['admin', 'reviewer', 'auditor'].includes(me.role),
  administer: me => me.role === 'admin',
  export: me => ['admin', 'auditor'].includes(me.role),
  /** Admins and auditors reach every project; annotators and reviewers only those they are members of. */
  seeEveryProject: me => ['admin', 'auditor'].includes(me.role),
};

/** True for a multi-label project, whatever the casing of the mode the API sends. */
export const isMulti = mode => String(mode).toLowerCase() === 'multi';
