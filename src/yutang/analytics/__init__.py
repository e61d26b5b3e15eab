"""Growth analytics: the event store (facts of clicks and domain events, ids only) kept
in step with the transactional database, and the reports read from it."""
