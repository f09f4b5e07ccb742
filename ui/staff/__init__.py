"""人员与角色: who holds which role, changed by an administrator or leadership."""
