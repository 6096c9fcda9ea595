"""The workflow core every process in Kefu is built from.

- :mod:`kefu.workflow.transitions` — a declared transition table (pure, no Django):
  which action leads from which states to which target(s), and who may take it.
- :mod:`kefu.workflow.versioned` — one optimistic-concurrency write: a conditional
  update on ``version``, else ``Conflict`` naming who changed the record and when.
- :mod:`kefu.workflow.events` — the abstract event row (one per change, never
  rewritten) and the helper that makes an event's data JSON-safe.

Complaints, customer profiles and phrasebook entries use it today; a new process
(on-site work orders, QA reviews) declares its table and event model and copies nothing.
"""
