"""Real LRS peers for integration tests (fixtures `learning_locker`, `ralph_lrs`)."""
