"""Distribution (分销): distributors, a two-level team tree, commission plans and ledger."""
