"""Memory: the journal of every session, episodic narratives, semantic facts, graduated consolidation
(weekly digests, monthly summaries), warm memory loaded into every session, search and fitness."""
