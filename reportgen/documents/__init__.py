"""Document kinds: which records, what context each gets, which template, how a batch is grouped."""
