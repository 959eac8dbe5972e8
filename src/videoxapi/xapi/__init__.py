"""Pure xAPI: statement builders, ids, actors and the vocabulary they use. No I/O."""
